//! Map states: one inline item processor run for each item of an array.

use super::{put, Filters, Graph, Kind, PlacesResult, Recovers, SelectsResult, StateBuilder};
use crate::asl::chain::IntoChain;
use serde_json::{json, Map, Value};

/// A Map state with an inline item processor.
pub type MapState = StateBuilder<MapKind>;

/// What a Map state adds to the common part. Its items are shaped by `ItemSelector`, so it
/// takes no `Parameters`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapKind {
    pub(crate) items_path: Option<String>,
    pub(crate) item_selector: Option<Value>,
    pub(crate) processor: Option<Graph>,
    pub(crate) max_concurrency: Option<u32>,
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
        put(m, "ItemSelector", self.item_selector.clone());
        if let Some(g) = &self.processor {
            m.insert(
                "ItemProcessor".into(),
                json!({
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": g.start_at,
                    "States": g.render_states(),
                }),
            );
        }
        put(m, "MaxConcurrency", self.max_concurrency.map(Value::from));
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
}
