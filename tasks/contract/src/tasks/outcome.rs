//! What every mutating step reports, whatever its family: the status, the AWS calls made (or
//! planned, in a dry run) and the notes a responder must read.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a mutating step did, or in a dry run would do.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Outcome {
    pub status: Status,
    /// The AWS calls made (or planned), in order.
    pub actions: Vec<Action>,
    /// Things a responder must know: a shared role, a skipped part, a partial failure.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Changed what it had to.
    #[default]
    Done,
    /// Dry run: nothing changed; `actions` are the calls it would make.
    Planned,
    /// Nothing to do (already in the wanted state, or not applicable); see `notes`.
    Skipped,
    /// Part of the step failed; see `notes`. The playbook goes on with the rest.
    Partial,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Action {
    /// `service:Operation`, as in IAM and CloudTrail.
    pub call: String,
    /// The resource acted on.
    pub target: String,
    /// The change, in a few words.
    pub detail: String,
}

impl Outcome {
    pub fn new(dry_run: bool) -> Outcome {
        Outcome {
            status: if dry_run {
                Status::Planned
            } else {
                Status::Done
            },
            actions: Vec::new(),
            notes: Vec::new(),
        }
    }
    pub fn act(&mut self, call: &str, target: &str, detail: impl Into<String>) {
        self.actions.push(Action {
            call: call.to_string(),
            target: target.to_string(),
            detail: detail.into(),
        });
    }
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }
}
