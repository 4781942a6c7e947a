//! Sample events, embedded from `tasks/contract/samples/`.

include!(concat!(env!("OUT_DIR"), "/samples.rs"));

pub fn get(name: &str) -> Option<&'static str> {
    SAMPLES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}
