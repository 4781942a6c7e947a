//! Normalize on arbitrary bytes, the way a Lambda payload reaches it: parsed as JSON (what the
//! runtime cannot parse never reaches the handler), through the task's contract, then
//! `normalize`. Anything but a case or `IR.InvalidEvent` is a crash; keep its input in
//! `tasks/contract/samples/regressions/` (the event part), which the tests replay.
#![no_main]

use contract::ErrorName;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(payload) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let answer = tasks::runtime::input::<contract::tasks::NormalizeInput>("normalize", payload)
        .and_then(tasks::normalize::normalize);
    if let Err(e) = answer {
        assert_eq!(e.name, ErrorName::InvalidEvent, "{e}");
    }
});
