//! The contracts between the parts of the project, with no AWS SDK in sight.
//!
//! Three parties read the same types:
//! - the task Lambdas (`tasks/`) deserialize their input and serialize their output with them;
//! - the code generator (`codegen/`) derives each task's ASL `Parameters` and `ResultSelector`,
//!   its IAM policy and its JSON Schemas from them;
//! - the operator CLI reads cases and results from execution histories.
//!
//! Keeping them here, free of the SDK crates, lets `codegen` build in seconds.

pub mod approval;
pub mod case;
pub mod case_table;
pub mod checks;
pub mod custody;
pub mod errors;
pub mod events;
pub mod lenient;
pub mod naming;
pub mod proof;
pub mod remote;
pub mod tags;
pub mod task;
pub mod tasks;
pub mod trust;

pub use case::Case;
pub use errors::ErrorName;
pub use task::{Permission, Scope, Task};

/// At most this many bytes of a list that grows with a case (one line per instance, snapshot
/// or action) go back into the execution's state; the rest are in the record the step names.
/// Step Functions holds at most 256 KiB per state, and a request for 500 instances returned
/// 3 KB of action lines per instance.
pub const MAX_STATE_LINES_BYTES: usize = 16 * 1024;

/// The first lines of `lines` that fit [`MAX_STATE_LINES_BYTES`], and then, if some did not, a
/// last line that says how many more there are and where (`whole`) they all are.
pub fn excerpt(mut lines: Vec<String>, whole: &str) -> Vec<String> {
    let mut used = 0;
    let fit = lines
        .iter()
        .take_while(|l| {
            used += l.len() + 3; // the quotes and comma around it in JSON
            used <= MAX_STATE_LINES_BYTES
        })
        .count();
    if fit < lines.len() {
        let more = lines.len() - fit;
        lines.truncate(fit);
        lines.push(format!("... and {more} more: {whole}"));
    }
    lines
}

#[cfg(test)]
mod excerpt_tests {
    use super::*;

    #[test]
    fn a_long_list_keeps_its_head_and_says_where_the_rest_is() {
        let lines: Vec<String> = (0..1000).map(|i| format!("{i:0>97}")).collect();
        let short = excerpt(lines.clone(), "s3://b/report.json");
        let kept = MAX_STATE_LINES_BYTES / 100;
        assert_eq!(short.len(), kept + 1);
        assert_eq!(short[..kept], lines[..kept]);
        assert_eq!(
            short[kept],
            format!("... and {} more: s3://b/report.json", 1000 - kept)
        );
        let few: Vec<String> = lines[..3].to_vec();
        assert_eq!(excerpt(few.clone(), "x"), few);
    }
}
