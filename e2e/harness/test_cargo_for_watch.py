"""e2e/harness/cargo-for-watch: `cargo lambda watch` starts a function with
`cargo run --bin <function>`; the shim runs tasks' one `bootstrap` binary with IR_TASK set to
that function instead (as the generated template sets it on AWS), and passes every other cargo
call through unchanged. A bootstrap newer than its sources starts without cargo (a Lambda's
cold start builds nothing); a stale one goes through cargo, which rebuilds it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import HARNESS

SHIM = Path(HARNESS) / "cargo-for-watch"


def fake_cargo(tmp_path: Path) -> tuple[Path, Path]:
    """A stand-in for the real cargo that records its arguments and IR_TASK."""
    record = tmp_path / "record.json"
    cargo = tmp_path / "cargo"
    cargo.write_text(
        "#!/usr/bin/env python3\n"
        "import json, os, sys\n"
        f"json.dump({{'args': sys.argv[1:], 'task': os.environ.get('IR_TASK')}}, open({str(record)!r}, 'w'))\n"
    )
    cargo.chmod(0o755)
    return cargo, record


def run_shim(tmp_path: Path, *args: str) -> dict:
    cargo, record = fake_cargo(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "IR_TASK"}
    env["IR_REAL_CARGO"] = str(cargo)
    env["CARGO_TARGET_DIR"] = str(tmp_path / "target")  # no bootstrap built there unless a test puts one
    subprocess.run([str(SHIM), *args], env=env, check=True, timeout=30)
    return json.loads(record.read_text())


def test_a_function_runs_from_the_bootstrap_with_its_task(tmp_path: Path) -> None:
    # What cargo lambda watch 1.9.2 runs for a function (cargo-options' Run::command).
    got = run_shim(tmp_path, "run", "--color", "auto", "--manifest-path", "Cargo.toml", "--bin", "isolate-network")
    assert got == {
        "args": ["run", "--color", "auto", "--manifest-path", "Cargo.toml", "--bin", "bootstrap"],
        "task": "isolate-network",
    }


def test_other_cargo_calls_pass_through(tmp_path: Path) -> None:
    got = run_shim(tmp_path, "metadata", "--format-version", "1", "--manifest-path", "Cargo.toml")
    assert got == {"args": ["metadata", "--format-version", "1", "--manifest-path", "Cargo.toml"], "task": None}
    # The bootstrap itself keeps whatever IR_TASK says (none here).
    got = run_shim(tmp_path, "run", "--bin", "bootstrap")
    assert got == {"args": ["run", "--bin", "bootstrap"], "task": None}


def test_without_the_real_cargo_it_says_what_is_missing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "IR_REAL_CARGO"}
    done = subprocess.run([str(SHIM), "run", "--bin", "notify"], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert "IR_REAL_CARGO" in done.stderr


def fake_bootstrap(tmp_path: Path, mtime: float | None = None) -> Path:
    """A built bootstrap in the shim's target directory that records how it was started."""
    binary = tmp_path / "target" / "debug" / "bootstrap"
    binary.parent.mkdir(parents=True, exist_ok=True)
    binary.write_text(
        "#!/usr/bin/env python3\n"
        "import json, os, sys\n"
        f"json.dump({{'bootstrap': sys.argv[1:], 'task': os.environ.get('IR_TASK')}}, open({str(tmp_path / 'record.json')!r}, 'w'))\n"
    )
    binary.chmod(0o755)
    if mtime is not None:
        os.utime(binary, (mtime, mtime))
    return binary


def test_a_fresh_bootstrap_starts_without_cargo(tmp_path: Path) -> None:
    fake_bootstrap(tmp_path)
    got = run_shim(tmp_path, "run", "--color", "auto", "--manifest-path", "Cargo.toml", "--bin", "normalize")
    assert got == {"bootstrap": [], "task": "normalize"}


def test_a_stale_bootstrap_is_rebuilt_by_cargo(tmp_path: Path) -> None:
    fake_bootstrap(tmp_path, mtime=0)  # older than every source
    got = run_shim(tmp_path, "run", "--manifest-path", "Cargo.toml", "--bin", "normalize")
    assert got == {"args": ["run", "--manifest-path", "Cargo.toml", "--bin", "bootstrap"], "task": "normalize"}
    # A release build is cargo's to make, fresh or not.
    fake_bootstrap(tmp_path)
    got = run_shim(tmp_path, "run", "--release", "--bin", "normalize")
    assert got["args"] == ["run", "--release", "--bin", "bootstrap"]
