//! Chaining states, CDK style: `a.next(b).next(c)`.
//!
//! A [`Chain`] is a start state, the states it owns, and its open ends (states whose `Next` is
//! still free). `next` points every open end at the next chain's start. A Choice's open ends
//! are those of its branches, so `choice.next(x)` continues every branch that did not end.

use super::state::*;

#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    pub(crate) start: String,
    pub(crate) states: Vec<State>,
    pub(crate) ends: Vec<String>,
}

impl Chain {
    /// A jump to a state defined elsewhere in the same graph (a shared handler, a loop back).
    pub fn goto(name: &str) -> Chain {
        Chain {
            start: name.to_string(),
            states: Vec::new(),
            ends: Vec::new(),
        }
    }

    pub fn start(&self) -> &str {
        &self.start
    }

    /// Continues every open end with `then`.
    pub fn next(mut self, then: impl IntoChain) -> Chain {
        let then = then.into_chain();
        for end in &self.ends {
            if let Some(s) = self.states.iter_mut().find(|s| s.name() == end) {
                s.set_next(&then.start);
            }
        }
        self.states.extend(then.states);
        self.ends = then.ends;
        self
    }
}

/// Anything that can stand where a chain is expected: a chain or a single state.
pub trait IntoChain {
    fn into_chain(self) -> Chain;

    /// `self`, then `then`.
    fn next(self, then: impl IntoChain) -> Chain
    where
        Self: Sized,
    {
        self.into_chain().next(then)
    }
}

impl IntoChain for Chain {
    fn into_chain(self) -> Chain {
        self
    }
}

impl IntoChain for State {
    fn into_chain(mut self) -> Chain {
        let name = self.name().to_string();
        let pending = std::mem::take(&mut self.common.pending);
        let ends = match &mut self.kind {
            Kind::Choice(c) => std::mem::take(&mut c.ends),
            k if k.continues() => vec![name.clone()],
            _ => Vec::new(),
        };
        let mut states = vec![self];
        states.extend(pending);
        Chain {
            start: name,
            states,
            ends,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asl::condition::Condition;

    #[test]
    fn next_links_every_open_end() {
        let chain = Pass::new("A")
            .next(
                Choice::new("C")
                    .when(Condition::is_present("$.x", true), Pass::new("B1"))
                    .otherwise(Pass::new("B2").next(Pass::new("B3"))),
            )
            .next(Succeed::new("Done"));
        let names: Vec<_> = chain
            .states
            .iter()
            .map(|s| (s.name(), s.next_name()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("A", Some("C")),
                ("C", None),
                ("B1", Some("Done")),
                ("B2", Some("B3")),
                ("B3", Some("Done")),
                ("Done", None),
            ]
        );
        assert!(chain.ends.is_empty());
    }

    #[test]
    fn terminal_states_have_no_open_end() {
        let chain = Fail::new("F").next(Pass::new("Orphan"));
        assert_eq!(chain.states[0].next_name(), None);
        assert_eq!(chain.ends, vec!["Orphan".to_string()]);
    }
}
