//! Map states: one item processor run for each item of an array, inline (in the execution's
//! own history) or distributed (each item a child execution with its own history, items read
//! from S3: the AWS-native engine for work larger than one history or one payload; the EC2
//! playbook's instances and custody's ranges).

use super::{put, Filters, Graph, Kind, PlacesResult, Recovers, SelectsResult, StateBuilder};
use crate::asl::chain::IntoChain;
use crate::asl::integration::Integration;
use serde_json::{json, Map, Value};

/// A Map state.
pub type MapState = StateBuilder<MapKind>;

/// What a Map state adds to the common part. Its items are shaped by `ItemSelector`, so it
/// takes no `Parameters`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapKind {
    pub(crate) items_path: Option<String>,
    pub(crate) item_selector: Option<Value>,
    pub(crate) processor: Option<Graph>,
    pub(crate) max_concurrency: Option<u32>,
    /// Set for a Distributed Map: its label, item reader, and what its runs need of the role.
    pub(crate) distributed: Option<Distributed>,
}

/// A Distributed Map's own settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Distributed {
    /// The map run's name prefix in the console (`Label`).
    pub label: String,
    /// The items: a JSON array in the stack's evidence bucket, at the key a path of the
    /// state's input names (`ItemReader` with `s3:getObject`).
    pub reader_bucket_path: String,
    pub reader_key_path: String,
    /// Child executions and the S3 read, for the machine's role.
    pub(crate) integration: Integration,
}

impl Filters for MapKind {}
impl SelectsResult for MapKind {}
impl PlacesResult for MapKind {}
impl Recovers for MapKind {}

impl From<MapKind> for Kind {
    fn from(k: MapKind) -> Self {
        Kind::Map(k)
    }
}

impl MapKind {
    pub(super) fn render(&self, m: &mut Map<String, Value>) {
        put(m, "ItemsPath", self.items_path.clone().map(Value::from));
        if let Some(d) = &self.distributed {
            m.insert(
                "ItemReader".into(),
                json!({
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON"},
                    "Parameters": {
                        "Bucket.$": d.reader_bucket_path,
                        "Key.$": d.reader_key_path,
                    },
                }),
            );
        }
        put(m, "ItemSelector", self.item_selector.clone());
        if let Some(g) = &self.processor {
            let config = match &self.distributed {
                Some(_) => json!({"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}),
                None => json!({"Mode": "INLINE"}),
            };
            m.insert(
                "ItemProcessor".into(),
                json!({
                    "ProcessorConfig": config,
                    "StartAt": g.start_at,
                    "States": g.render_states(),
                }),
            );
        }
        put(m, "MaxConcurrency", self.max_concurrency.map(Value::from));
        if let Some(d) = &self.distributed {
            // No ToleratedFailurePercentage: AWS's default, 0, is what evidence needs (one
            // failed item fails the run).
            m.insert("Label".into(), json!(d.label));
        }
    }
}

impl MapState {
    pub fn new(name: &str) -> MapState {
        StateBuilder::with_kind(name, MapKind::default())
    }
    pub fn items_path(mut self, p: &str) -> Self {
        self.kind.items_path = Some(p.to_string());
        self
    }
    /// Builds each item's input (`$$.Map.Item.Value` is the item).
    pub fn item_selector(mut self, s: Value) -> Self {
        self.kind.item_selector = Some(s);
        self
    }
    pub fn item_processor(mut self, chain: impl IntoChain) -> Self {
        self.kind.processor = Some(Graph::from_chain(chain));
        self
    }
    pub fn max_concurrency(mut self, n: u32) -> Self {
        self.kind.max_concurrency = Some(n);
        self
    }
    /// Makes it a Distributed Map reading its items (a JSON array) from the stack's evidence
    /// bucket, at the bucket and key the given paths of the state's input name.
    pub fn distributed(mut self, label: &str, bucket_path: &str, key_path: &str) -> Self {
        self.kind.distributed = Some(Distributed {
            label: label.to_string(),
            reader_bucket_path: bucket_path.to_string(),
            reader_key_path: key_path.to_string(),
            integration: Integration::MapRun,
        });
        self
    }
}
