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
    fn into_chain(self) -> Chain {
        let name = self.name().to_string();
        let (state, pending, ends) = match self {
            State::Task(mut t) => {
                let p = std::mem::take(&mut t.pending);
                (State::Task(t), p, vec![name.clone()])
            }
            State::Parallel(mut t) => {
                let p = std::mem::take(&mut t.pending);
                (State::Parallel(t), p, vec![name.clone()])
            }
            State::Map(mut t) => {
                let p = std::mem::take(&mut t.pending);
                (State::Map(t), p, vec![name.clone()])
            }
            State::Choice(mut c) => {
                let p = std::mem::take(&mut c.pending);
                let ends = std::mem::take(&mut c.ends);
                (State::Choice(c), p, ends)
            }
            s @ (State::Pass(_) | State::Wait(_)) => (s, Vec::new(), vec![name.clone()]),
            s @ (State::Succeed(_) | State::Fail(_)) => (s, Vec::new(), Vec::new()),
        };
        let mut states = vec![state];
        states.extend(pending);
        Chain {
            start: name,
            states,
            ends,
        }
    }
}

macro_rules! state_into_chain {
    ($($ty:ident => $variant:ident),*) => {
        $(
            impl From<$ty> for State {
                fn from(s: $ty) -> State {
                    State::$variant(s)
                }
            }
            impl IntoChain for $ty {
                fn into_chain(self) -> Chain {
                    State::$variant(self).into_chain()
                }
            }
        )*
    };
}

state_into_chain!(
    Task => Task,
    Pass => Pass,
    Choice => Choice,
    Wait => Wait,
    Succeed => Succeed,
    Fail => Fail,
    Parallel => Parallel,
    MapState => Map
);

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
