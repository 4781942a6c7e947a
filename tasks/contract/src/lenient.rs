//! Deserializers for values that reach a task through `DefinitionSubstitutions`.
//!
//! A substitution can only replace text inside a JSON string, so a template parameter such as
//! `DryRun` arrives as `"true"`; the same field set by an operator arrives as `true`.

use serde::{Deserialize, Deserializer};

/// Accepts `true`/`false` or the strings `"true"`/`"false"` (any case).
pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        B(bool),
        S(String),
    }
    match B::deserialize(d)? {
        B::B(b) => Ok(b),
        B::S(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        B::S(s) if s.eq_ignore_ascii_case("false") || s.is_empty() => Ok(false),
        B::S(s) => Err(serde::de::Error::custom(format!(
            "expected true or false, got {s:?}"
        ))),
    }
}
