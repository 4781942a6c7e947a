//! `make bench`, robustness (#19): Normalize never panics, and answers every payload with a case
//! or `IR.InvalidEvent`.
//!
//! Each generated payload is a sample event (`tasks/contract/samples/`) with one to three
//! mutations at random places: a field dropped, retyped, made oversized (a 256 KiB string),
//! replaced with awkward Unicode, nested deep, or set to an extreme number. It goes the way a
//! real invocation does: serialized, parsed by serde_json as the Lambda runtime parses a payload
//! (a payload it cannot parse, such as one nested past its depth limit, never reaches the
//! handler), then through the task's contract and `normalize`, on a thread with a Tokio worker's
//! 2 MiB stack. A panic, or an error other than `IR.InvalidEvent`, is a failure: its payload is
//! written to `tasks/contract/samples/regressions/`, which `tests/normalize_samples.rs` replays.
//!
//! `cargo run -p tasks --example normalize_fuzz [EVENTS] [SEED]` (defaults 100000 and 1).

use contract::tasks::NormalizeInput;
use contract::ErrorName;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;

const OVERSIZED: usize = 256 * 1024;
/// Marks where `deep_text` puts nesting too deep to build as a `Value`.
const DEEP: &str = "\u{1}deep:";

/// The payload's text with every deep-nesting mark replaced by that many nested arrays.
fn deep_text(text: String) -> String {
    let mark = "\"\\u0001deep:";
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find(mark) {
        out.push_str(&rest[..at]);
        let after = &rest[at + mark.len()..];
        let end = after.find('"').unwrap_or(after.len());
        let depth: usize = after[..end].parse().unwrap_or(0);
        out.push_str(&"[".repeat(depth));
        out.push_str(&"]".repeat(depth));
        rest = &after[(end + 1).min(after.len())..];
    }
    out.push_str(rest);
    out
}

/// What one payload came to.
#[derive(Debug, PartialEq)]
enum Answer {
    Case,
    InvalidEvent,
    /// The runtime could not parse it (it never reaches a handler).
    Unparsed,
    OtherError(String),
    Panic(String),
}

fn answer(text: &str) -> Answer {
    let run = || -> Answer {
        let Ok(payload) = serde_json::from_str::<Value>(text) else {
            return Answer::Unparsed;
        };
        let input = match tasks::runtime::input::<NormalizeInput>("normalize", payload) {
            Ok(i) => i,
            Err(e) if e.name == ErrorName::InvalidEvent => return Answer::InvalidEvent,
            Err(e) => return Answer::OtherError(e.to_string()),
        };
        match tasks::normalize::normalize(input) {
            Ok(_) => Answer::Case,
            Err(e) if e.name == ErrorName::InvalidEvent => Answer::InvalidEvent,
            Err(e) => Answer::OtherError(e.to_string()),
        }
    };
    match std::panic::catch_unwind(run) {
        Ok(a) => a,
        Err(p) => Answer::Panic(
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default(),
        ),
    }
}

/// Every place in `v`, as a JSON pointer.
fn places(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let key = k.replace('~', "~0").replace('/', "~1");
                places(child, format!("{at}/{key}"), out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                places(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn awkward_text(rng: &mut fastrand::Rng) -> String {
    const PIECES: [&str; 12] = [
        "\u{0}",
        "\u{202e}",
        "\u{200b}",
        "\u{feff}",
        "e\u{301}",
        "🧨",
        "i-",
        "arn:aws:iam::",
        "../",
        "%00",
        "\\",
        "\"",
    ];
    (0..rng.usize(1..40))
        .map(|_| {
            if rng.bool() {
                PIECES[rng.usize(..PIECES.len())].to_string()
            } else {
                char::from_u32(rng.u32(..0x11_0000))
                    .unwrap_or('\u{fffd}')
                    .to_string()
            }
        })
        .collect()
}

fn other_type(rng: &mut fastrand::Rng) -> Value {
    match rng.u8(..7) {
        0 => Value::Null,
        1 => json!(rng.bool()),
        2 => json!(rng.i64(..)),
        3 => json!(f64::MAX),
        4 => json!([]),
        5 => json!({}),
        _ => json!(""),
    }
}

fn nested(depth: usize, inner: Value, rng: &mut fastrand::Rng) -> Value {
    (0..depth).fold(inner, |v, _| {
        if rng.bool() {
            json!([v])
        } else {
            json!({"a": v})
        }
    })
}

/// Applies one mutation at a random place.
fn mutate(v: &mut Value, rng: &mut fastrand::Rng) {
    let mut all = Vec::new();
    places(v, String::new(), &mut all);
    let at = all[rng.usize(..all.len())].clone();
    // Oversized strings are the costly kind (a 256 KiB string through the parser, in a debug
    // build): one mutation in forty, a few thousand events of every run.
    let kind = if rng.u8(..40) == 0 {
        2
    } else {
        [0, 1, 3, 4, 5, 6][rng.usize(..6)]
    };
    if kind == 0 && !at.is_empty() {
        // Drop the field or element.
        let (parent, last) = at.rsplit_once('/').unwrap();
        let last = last.replace("~1", "/").replace("~0", "~");
        match v.pointer_mut(parent) {
            Some(Value::Object(m)) => {
                m.remove(&last);
            }
            Some(Value::Array(a)) => {
                if let Ok(i) = last.parse::<usize>() {
                    if i < a.len() {
                        a.remove(i);
                    }
                }
            }
            _ => {}
        }
        return;
    }
    let Some(target) = v.pointer_mut(&at) else {
        return;
    };
    *target = match kind {
        1 | 0 => other_type(rng),
        2 => Value::String(if rng.bool() {
            "A".repeat(OVERSIZED)
        } else {
            let text = awkward_text(rng).repeat(OVERSIZED / 16);
            let mut end = OVERSIZED.min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text[..end].to_string()
        }),
        3 => Value::String(awkward_text(rng)),
        4 => {
            let depth = [8, 64, 120, 127, 128, 129, 200, 2000, 100_000][rng.usize(..9)];
            if depth <= 64 {
                nested(depth, target.take(), rng)
            } else {
                // Deeper is spliced into the text (`deep_text`): a `Value` that deep would
                // overflow this program's own stack on serializing or dropping it, which no
                // payload the runtime parses can reach.
                Value::String(format!("{DEEP}{depth}"))
            }
        }
        5 => [
            json!(u64::MAX),
            json!(-1),
            json!(1e308),
            json!(0.5),
            json!(i64::MIN),
        ][rng.usize(..5)]
        .clone(),
        _ => {
            let mut m = Map::new();
            for _ in 0..rng.usize(0..4) {
                m.insert(awkward_text(rng), other_type(rng));
            }
            Value::Object(m)
        }
    };
}

fn samples(dir: &Path) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = std::fs::read_dir(dir)
        .expect("the samples folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            Some((
                p.file_stem()?.to_string_lossy().into_owned(),
                serde_json::from_str(&text).ok()?,
            ))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

type Tally = std::collections::BTreeMap<&'static str, usize>;

/// Runs the events numbered `events` (each from the sample `n % samples`).
fn fuzz(
    samples: &[(String, Value)],
    events: impl Iterator<Item = usize>,
    seed: u64,
) -> (Tally, Vec<(String, Answer, String)>) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut tally = Tally::new();
    let mut failures = Vec::new();
    for n in events {
        let (name, sample) = &samples[n % samples.len()];
        let mut event = sample.clone();
        for _ in 0..rng.usize(1..=3) {
            mutate(&mut event, &mut rng);
        }
        let text = deep_text(json!({"event": event, "dry_run": rng.bool()}).to_string());
        let got = answer(&text);
        *tally
            .entry(match &got {
                Answer::Case => "a case",
                Answer::InvalidEvent => "IR.InvalidEvent",
                Answer::Unparsed => "not parsed by the runtime",
                Answer::OtherError(_) => "another error (failure)",
                Answer::Panic(_) => "panic (failure)",
            })
            .or_default() += 1;
        if matches!(got, Answer::OtherError(_) | Answer::Panic(_)) {
            failures.push((name.clone(), got, text));
        }
    }
    (tally, failures)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let events: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("contract/samples");
    let regressions: PathBuf = root.join("regressions");
    let samples = samples(&root);
    let sample_count = samples.len();
    // The handler runs on a Tokio worker in the Lambda: the same stack size here. Two workers,
    // each with its own part of the events and its own seed.
    // A panic's message would be printed for every one: they are counted instead.
    std::panic::set_hook(Box::new(|_| {}));
    let begin = Instant::now();
    let workers: Vec<_> = (0..2u64)
        .map(|w| {
            let samples = samples.clone();
            std::thread::Builder::new()
                .stack_size(2 * 1024 * 1024)
                .spawn(move || fuzz(&samples, (w as usize..events).step_by(2), seed * 2 + w))
                .expect("a worker thread")
        })
        .collect();
    let mut tally = std::collections::BTreeMap::<&str, usize>::new();
    let mut failures = Vec::new();
    for w in workers {
        let (t, f) = w.join().expect("the fuzzer itself does not panic");
        for (k, v) in t {
            *tally.entry(k).or_default() += v;
        }
        failures.extend(f);
    }
    let took = begin.elapsed();
    println!(
        "Normalize robustness: {events} mutated events from {sample_count} samples (seed {seed}), {:.1} s",
        took.as_secs_f64()
    );
    for (what, count) in &tally {
        println!("  {what:<28} {count}");
    }
    if failures.is_empty() {
        println!("  no crash, no unnamed error");
        return;
    }
    std::fs::create_dir_all(&regressions).expect("the regressions folder");
    for (sample, got, text) in &failures {
        let digest = {
            use sha2::Digest;
            let d = sha2::Sha256::digest(text.as_bytes());
            d.iter()
                .take(6)
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        let path = regressions.join(format!("{sample}-{digest}.json"));
        let payload: Value = serde_json::from_str(text).expect("it parsed once");
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&payload["event"]).unwrap(),
        )
        .expect("write the regression sample");
        println!("  FAILED ({got:?}): kept as {}", path.display());
    }
    std::process::exit(1);
}
