//! Mermaid flowcharts of state machines, committed next to the ASL so a reviewer sees the graph
//! (GitHub renders them). Parallel branches and Map processors become subgraphs.

use super::machine::StateMachine;
use super::state::{Graph, Kind, Transition};
use std::fmt::Write;

/// A node id Mermaid accepts, stable for a given state name.
pub fn node_id(name: &str) -> String {
    let mut id = String::from("s_");
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            id.push(ch);
        } else {
            let _ = write!(id, "_{:x}", ch as u32);
        }
    }
    id
}

fn escape(label: &str) -> String {
    label.replace('"', "#quot;")
}

/// The flowchart text (without the Markdown fence).
pub fn flowchart(m: &StateMachine) -> String {
    let mut out = String::from("flowchart TD\n");
    out.push_str("  start((start))\n");
    let _ = writeln!(out, "  start --> {}", node_id(&m.graph.start_at));
    graph(&mut out, &m.graph, "  ");
    out.push_str("  classDef terminal fill:#eee,stroke:#999\n");
    out
}

fn graph(out: &mut String, g: &Graph, indent: &str) {
    for s in &g.states {
        let id = node_id(s.name());
        let label = escape(&format!(
            "{}<br/><small>{}</small>",
            s.name(),
            s.type_name()
        ));
        match s.kind() {
            Kind::Choice(_) => {
                let _ = writeln!(out, "{indent}{id}{{\"{label}\"}}");
            }
            Kind::Succeed | Kind::Fail(_) => {
                let _ = writeln!(out, "{indent}{id}([\"{label}\"]):::terminal");
            }
            Kind::Parallel(_) | Kind::Map(_) => {
                let _ = writeln!(out, "{indent}subgraph {id} [\"{label}\"]");
                let _ = writeln!(out, "{indent}  direction TB");
                for (i, inner) in s.graphs().into_iter().enumerate() {
                    let bid = format!("{id}_b{i}");
                    let _ = writeln!(out, "{indent}  subgraph {bid} [\" \"]");
                    let _ = writeln!(
                        out,
                        "{indent}    {bid}_start(( )) --> {}",
                        node_id(&inner.start_at)
                    );
                    graph(out, inner, &format!("{indent}    "));
                    let _ = writeln!(out, "{indent}  end");
                }
                let _ = writeln!(out, "{indent}end");
            }
            _ => {
                let _ = writeln!(out, "{indent}{id}[\"{label}\"]");
            }
        }
        for (t, target) in s.transitions() {
            let to = node_id(target);
            match t {
                Transition::Next => {
                    let _ = writeln!(out, "{indent}{id} --> {to}");
                }
                Transition::Rule(i) => {
                    if let Kind::Choice(c) = s.kind() {
                        let _ = writeln!(
                            out,
                            "{indent}{id} -->|\"{}\"| {to}",
                            escape(&c.rules[i].0.label())
                        );
                    }
                }
                Transition::Default => {
                    let _ = writeln!(out, "{indent}{id} -->|otherwise| {to}");
                }
                Transition::Catch(i) => {
                    let errors = s.catchers()[i].errors.join(", ");
                    let _ = writeln!(out, "{indent}{id} -.->|\"{}\"| {to}", escape(&errors));
                }
            }
        }
        if s.is_end() {
            let _ = writeln!(out, "{indent}{id} --> {id}_end(( ))");
        }
    }
}
