//! Choice rules: every comparison operator of the Amazon States Language, their `*Path` forms,
//! type tests, `StringMatches` and the `And`/`Or`/`Not` combinators.

use serde_json::{json, Map, Value};

/// A Boolean expression over the state input, as a Choice rule evaluates it.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `Variable` compared with a literal or, for `*Path` operators, with another path.
    Compare {
        variable: String,
        op: Op,
        operand: Operand,
    },
    /// `IsPresent`, `IsNull`, `IsString`, `IsNumeric`, `IsBoolean`, `IsTimestamp`.
    Test {
        variable: String,
        test: TypeTest,
        expected: bool,
    },
    /// `StringMatches` with `*` wildcards (`\*` for a literal star).
    Matches {
        variable: String,
        pattern: String,
    },
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Value(Value),
    Path(String),
}

/// Comparison operators, named as in ASL without the `Path` suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    StringEquals,
    StringLessThan,
    StringGreaterThan,
    StringLessThanEquals,
    StringGreaterThanEquals,
    NumericEquals,
    NumericLessThan,
    NumericGreaterThan,
    NumericLessThanEquals,
    NumericGreaterThanEquals,
    BooleanEquals,
    TimestampEquals,
    TimestampLessThan,
    TimestampGreaterThan,
    TimestampLessThanEquals,
    TimestampGreaterThanEquals,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeTest {
    IsPresent,
    IsNull,
    IsString,
    IsNumeric,
    IsBoolean,
    IsTimestamp,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::StringEquals => "StringEquals",
            Op::StringLessThan => "StringLessThan",
            Op::StringGreaterThan => "StringGreaterThan",
            Op::StringLessThanEquals => "StringLessThanEquals",
            Op::StringGreaterThanEquals => "StringGreaterThanEquals",
            Op::NumericEquals => "NumericEquals",
            Op::NumericLessThan => "NumericLessThan",
            Op::NumericGreaterThan => "NumericGreaterThan",
            Op::NumericLessThanEquals => "NumericLessThanEquals",
            Op::NumericGreaterThanEquals => "NumericGreaterThanEquals",
            Op::BooleanEquals => "BooleanEquals",
            Op::TimestampEquals => "TimestampEquals",
            Op::TimestampLessThan => "TimestampLessThan",
            Op::TimestampGreaterThan => "TimestampGreaterThan",
            Op::TimestampLessThanEquals => "TimestampLessThanEquals",
            Op::TimestampGreaterThanEquals => "TimestampGreaterThanEquals",
        }
    }

    /// Short symbol for diagrams.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::StringEquals | Op::NumericEquals | Op::BooleanEquals | Op::TimestampEquals => "==",
            Op::StringLessThan | Op::NumericLessThan | Op::TimestampLessThan => "<",
            Op::StringGreaterThan | Op::NumericGreaterThan | Op::TimestampGreaterThan => ">",
            Op::StringLessThanEquals | Op::NumericLessThanEquals | Op::TimestampLessThanEquals => {
                "<="
            }
            Op::StringGreaterThanEquals
            | Op::NumericGreaterThanEquals
            | Op::TimestampGreaterThanEquals => ">=",
        }
    }
}

impl TypeTest {
    pub fn name(self) -> &'static str {
        match self {
            TypeTest::IsPresent => "IsPresent",
            TypeTest::IsNull => "IsNull",
            TypeTest::IsString => "IsString",
            TypeTest::IsNumeric => "IsNumeric",
            TypeTest::IsBoolean => "IsBoolean",
            TypeTest::IsTimestamp => "IsTimestamp",
        }
    }
}

macro_rules! comparisons {
    ($($lit:ident, $path:ident => $op:ident : $ty:ty;)*) => {
        impl Condition {
            $(
                #[doc = concat!("`", stringify!($op), "` against a literal.")]
                pub fn $lit(variable: &str, value: $ty) -> Condition {
                    Condition::Compare {
                        variable: variable.to_string(),
                        op: Op::$op,
                        operand: Operand::Value(json!(value)),
                    }
                }
                #[doc = concat!("`", stringify!($op), "Path`: against the value at another path.")]
                pub fn $path(variable: &str, other: &str) -> Condition {
                    Condition::Compare {
                        variable: variable.to_string(),
                        op: Op::$op,
                        operand: Operand::Path(other.to_string()),
                    }
                }
            )*
        }
    };
}

comparisons! {
    string_equals, string_equals_path => StringEquals: &str;
    string_less_than, string_less_than_path => StringLessThan: &str;
    string_greater_than, string_greater_than_path => StringGreaterThan: &str;
    string_less_than_equals, string_less_than_equals_path => StringLessThanEquals: &str;
    string_greater_than_equals, string_greater_than_equals_path => StringGreaterThanEquals: &str;
    numeric_equals, numeric_equals_path => NumericEquals: f64;
    numeric_less_than, numeric_less_than_path => NumericLessThan: f64;
    numeric_greater_than, numeric_greater_than_path => NumericGreaterThan: f64;
    numeric_less_than_equals, numeric_less_than_equals_path => NumericLessThanEquals: f64;
    numeric_greater_than_equals, numeric_greater_than_equals_path => NumericGreaterThanEquals: f64;
    boolean_equals, boolean_equals_path => BooleanEquals: bool;
    timestamp_equals, timestamp_equals_path => TimestampEquals: &str;
    timestamp_less_than, timestamp_less_than_path => TimestampLessThan: &str;
    timestamp_greater_than, timestamp_greater_than_path => TimestampGreaterThan: &str;
    timestamp_less_than_equals, timestamp_less_than_equals_path => TimestampLessThanEquals: &str;
    timestamp_greater_than_equals, timestamp_greater_than_equals_path => TimestampGreaterThanEquals: &str;
}

impl Condition {
    fn test(variable: &str, test: TypeTest, expected: bool) -> Condition {
        Condition::Test {
            variable: variable.to_string(),
            test,
            expected,
        }
    }
    pub fn is_present(variable: &str, expected: bool) -> Condition {
        Self::test(variable, TypeTest::IsPresent, expected)
    }
    pub fn is_null(variable: &str, expected: bool) -> Condition {
        Self::test(variable, TypeTest::IsNull, expected)
    }
    pub fn is_string(variable: &str, expected: bool) -> Condition {
        Self::test(variable, TypeTest::IsString, expected)
    }
    pub fn is_numeric(variable: &str, expected: bool) -> Condition {
        Self::test(variable, TypeTest::IsNumeric, expected)
    }
    pub fn is_boolean(variable: &str, expected: bool) -> Condition {
        Self::test(variable, TypeTest::IsBoolean, expected)
    }
    pub fn is_timestamp(variable: &str, expected: bool) -> Condition {
        Self::test(variable, TypeTest::IsTimestamp, expected)
    }
    pub fn string_matches(variable: &str, pattern: &str) -> Condition {
        Condition::Matches {
            variable: variable.to_string(),
            pattern: pattern.to_string(),
        }
    }
    pub fn and(all: impl IntoIterator<Item = Condition>) -> Condition {
        Condition::And(all.into_iter().collect())
    }
    pub fn or(any: impl IntoIterator<Item = Condition>) -> Condition {
        Condition::Or(any.into_iter().collect())
    }
    #[allow(clippy::should_implement_trait)]
    pub fn not(c: Condition) -> Condition {
        Condition::Not(Box::new(c))
    }

    /// The ASL object, without `Next` (the caller adds it to top-level rules).
    pub fn render(&self) -> Map<String, Value> {
        let mut m = Map::new();
        match self {
            Condition::Compare {
                variable,
                op,
                operand,
            } => {
                m.insert("Variable".into(), json!(variable));
                match operand {
                    Operand::Value(v) => m.insert(op.name().into(), v.clone()),
                    Operand::Path(p) => m.insert(format!("{}Path", op.name()), json!(p)),
                };
            }
            Condition::Test {
                variable,
                test,
                expected,
            } => {
                m.insert("Variable".into(), json!(variable));
                m.insert(test.name().into(), json!(expected));
            }
            Condition::Matches { variable, pattern } => {
                m.insert("Variable".into(), json!(variable));
                m.insert("StringMatches".into(), json!(pattern));
            }
            Condition::And(cs) | Condition::Or(cs) => {
                let key = if matches!(self, Condition::And(_)) {
                    "And"
                } else {
                    "Or"
                };
                m.insert(
                    key.into(),
                    Value::Array(cs.iter().map(|c| Value::Object(c.render())).collect()),
                );
            }
            Condition::Not(c) => {
                m.insert("Not".into(), Value::Object(c.render()));
            }
        }
        m
    }

    /// Every path the condition reads, for validation.
    pub fn paths(&self) -> Vec<&str> {
        match self {
            Condition::Compare {
                variable, operand, ..
            } => {
                let mut v = vec![variable.as_str()];
                if let Operand::Path(p) = operand {
                    v.push(p);
                }
                v
            }
            Condition::Test { variable, .. } | Condition::Matches { variable, .. } => {
                vec![variable.as_str()]
            }
            Condition::And(cs) | Condition::Or(cs) => cs.iter().flat_map(|c| c.paths()).collect(),
            Condition::Not(c) => c.paths(),
        }
    }

    /// A short human label for diagrams: `$.case.kind == "Instance"`.
    pub fn label(&self) -> String {
        match self {
            Condition::Compare {
                variable,
                op,
                operand,
            } => match operand {
                Operand::Value(v) => format!("{variable} {} {v}", op.symbol()),
                Operand::Path(p) => format!("{variable} {} {p}", op.symbol()),
            },
            Condition::Test {
                variable,
                test,
                expected,
            } => format!("{} {variable} = {expected}", test.name()),
            Condition::Matches { variable, pattern } => format!("{variable} ~ {pattern}"),
            Condition::And(cs) => cs
                .iter()
                .map(|c| c.label())
                .collect::<Vec<_>>()
                .join(" and "),
            Condition::Or(cs) => cs
                .iter()
                .map(|c| c.label())
                .collect::<Vec<_>>()
                .join(" or "),
            Condition::Not(c) => format!("not ({})", c.label()),
        }
    }

    /// Structural problems that a path check cannot see.
    pub fn problems(&self) -> Vec<String> {
        match self {
            Condition::And(cs) | Condition::Or(cs) if cs.is_empty() => {
                vec!["`And`/`Or` needs at least one condition".to_string()]
            }
            Condition::And(cs) | Condition::Or(cs) => {
                cs.iter().flat_map(|c| c.problems()).collect()
            }
            Condition::Not(c) => c.problems(),
            Condition::Compare {
                op,
                operand: Operand::Value(v),
                ..
            } => {
                let ok = match op.name() {
                    n if n.starts_with("Numeric") => v.is_number(),
                    n if n.starts_with("Boolean") => v.is_boolean(),
                    _ => v.is_string(),
                };
                if ok {
                    vec![]
                } else {
                    vec![format!("`{}` cannot compare with {v}", op.name())]
                }
            }
            _ => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_form() {
        let c = Condition::and([
            Condition::string_equals("$.kind", "Instance"),
            Condition::numeric_greater_than_equals_path("$.sev", "$.threshold"),
            Condition::not(Condition::is_present("$.skip", true)),
            Condition::or([
                Condition::string_matches("$.type", "*EC2/*"),
                Condition::boolean_equals("$.dry", false),
                Condition::timestamp_less_than("$.at", "2026-01-01T00:00:00Z"),
            ]),
        ]);
        insta::assert_json_snapshot!(Value::Object(c.render()), @r###"
        {
          "And": [
            {
              "Variable": "$.kind",
              "StringEquals": "Instance"
            },
            {
              "Variable": "$.sev",
              "NumericGreaterThanEqualsPath": "$.threshold"
            },
            {
              "Not": {
                "Variable": "$.skip",
                "IsPresent": true
              }
            },
            {
              "Or": [
                {
                  "Variable": "$.type",
                  "StringMatches": "*EC2/*"
                },
                {
                  "Variable": "$.dry",
                  "BooleanEquals": false
                },
                {
                  "Variable": "$.at",
                  "TimestampLessThan": "2026-01-01T00:00:00Z"
                }
              ]
            }
          ]
        }
        "###);
        assert_eq!(
            c.paths(),
            vec![
                "$.kind",
                "$.sev",
                "$.threshold",
                "$.skip",
                "$.type",
                "$.dry",
                "$.at"
            ]
        );
    }

    #[test]
    fn empty_combinators_are_problems() {
        assert!(!Condition::or([]).problems().is_empty());
    }
}
