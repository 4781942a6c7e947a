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

/// Accepts a number or a string holding one (`"7"`, `"7.5"`).
pub fn number<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        N(f64),
        S(String),
    }
    match N::deserialize(d)? {
        N::N(n) => Ok(n),
        N::S(s) => s
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("expected a number, got {s:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct T {
        #[serde(deserialize_with = "super::bool")]
        b: bool,
        #[serde(deserialize_with = "super::number")]
        n: f64,
    }

    #[test]
    fn substituted_strings_and_plain_values_both_parse() {
        let t: T = serde_json::from_str(r#"{"b": "TRUE", "n": "7.5"}"#).unwrap();
        assert!(t.b && t.n == 7.5);
        let t: T = serde_json::from_str(r#"{"b": false, "n": 3}"#).unwrap();
        assert!(!t.b && t.n == 3.0);
        assert!(serde_json::from_str::<T>(r#"{"b": "yes", "n": 1}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"b": true, "n": "seven"}"#).is_err());
    }
}
