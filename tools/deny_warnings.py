#!/usr/bin/env python3
"""Reads `cargo build --message-format=json` on stdin; fails if the compiler (rustc or clippy)
reported any warning or error, printing each one.

Why not `cargo clippy -- -D warnings`: clippy is a check build, and a check build compiles every
SDK crate a second time (metadata only) next to the debug build the tests, the emulator and the
demo use. The Makefile instead runs every build through clippy-driver (RUSTC_WORKSPACE_WRAPPER),
which lints the workspace crates while it builds them, and cargo replays a fresh crate's
warnings on every build; this turns them into a failure for `make lint` only.
"""
import json
import sys

found = 0
for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") != "compiler-message":
        continue
    diagnostic = msg["message"]
    if diagnostic.get("level") in ("warning", "error"):
        found += 1
        sys.stderr.write(diagnostic.get("rendered") or diagnostic.get("message", "") + "\n")
if found:
    sys.exit(f"lint: {found} compiler/clippy diagnostics (above); fix them, `make lint` denies warnings")
