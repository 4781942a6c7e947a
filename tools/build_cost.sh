#!/usr/bin/env bash
# make build-cost (#23): what a new user pays before aws-ir is tested and packaged, measured the
# way they meet it. A fresh clone of this checkout's HEAD with an empty CARGO_TARGET_DIR of its
# own (never the shared cache: cargo would find its builds fresh), then, in order and timed:
#   make demo, make test (CI=true, as .ci/run), a change to one task rebuilt for the emulator,
#   make package from an empty release cache, and the same change rebuilt by make package.
# Prints each figure next to its target and exits 1 if one is missed. Takes about an hour on
# 2 cores and needs ~25 GB of disk; run it on an idle machine (the figures are wall-clock times).
# Needs the emulator ports free: stop a running emulator first (make emulator-down).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${BUILD_COST_DIR:-${TMPDIR:-/tmp}}/aws-ir-build-cost.XXXXXX")"
clone="$work/clone"
cleanup() {
    (cd "$clone" 2>/dev/null && e2e/harness/down.sh >/dev/null 2>&1) || true
    [[ -n "${BUILD_COST_KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

git clone -q "$repo" "$clone"
cd "$clone"
export CARGO_TARGET_DIR="$work/target"
unset CI
echo "build-cost: fresh clone of $(git rev-parse --short HEAD) in $clone, CARGO_TARGET_DIR=$CARGO_TARGET_DIR"

declare -A took
timed() {  # NAME COMMAND...
    local name=$1 start log="$work/$1.log"
    shift
    echo "build-cost: $name: $* (log: $log)"
    start=$(date +%s)
    if ! "$@" >"$log" 2>&1; then
        tail -40 "$log"
        echo "build-cost: $name failed (log above)" >&2
        exit 1
    fi
    took[$name]=$(( $(date +%s) - start ))
    echo "build-cost: $name took ${took[$name]} s"
}
# A real edit, not a touch: the compiler sees a changed crate.
probes=0
change_one_task() {
    probes=$((probes + 1))
    printf '\n#[allow(dead_code)]\nconst BUILD_COST_PROBE_%d: u32 = %d;\n' "$probes" "$RANDOM" >>tasks/src/notify.rs
}

timed demo make demo
e2e/harness/down.sh >/dev/null 2>&1 || true
timed test env CI=true make test
change_one_task
timed rebuild_debug cargo build -q -p irctl -p tasks --bins
# `make package` builds both CPUs' zips, one after the other; each is timed on its own, since a
# stack deploys one of them.
timed package_x86_64 make package ARCH=x86_64
timed package_arm64 make package ARCH=arm64
took[package]=$(( took[package_x86_64] + took[package_arm64] ))
# Each task's own zip (what the stacks run), and the bootstrap's (every task in one).
zips=$(for z in "$CARGO_TARGET_DIR"/lambda/*/bootstrap.zip; do
    [[ "$z" == */bootstrap/bootstrap.zip ]] || stat -c %s "$z"; done | sort -n)
zip_bytes=$(stat -c %s "$CARGO_TARGET_DIR/lambda/bootstrap/bootstrap.zip")
change_one_task
timed rebuild_release make package

fmt() { printf '%d min %02d s' $(( $1 / 60 )) $(( $1 % 60 )); }
missed=0
row() {  # WHAT SECONDS TARGET-SECONDS TARGET-TEXT
    local verdict=met
    (( $2 <= $3 )) || { verdict=MISSED; missed=1; }
    printf '| %-52s | %-14s | %-10s | %-6s |\n' "$1" "$(fmt "$2")" "$4" "$verdict"
}
echo
echo "Build cost from a fresh clone, $(nproc) cores, $(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1048576 )) GiB:"
printf '| %-52s | %-14s | %-10s | %-6s |\n' what took target ""
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..54})" "$(printf -- '-%.0s' {1..16})" "$(printf -- '-%.0s' {1..12})" "$(printf -- '-%.0s' {1..8})"
printf '| %-52s | %-14s | %-10s | %-6s |\n' "make demo (empty target)" "$(fmt "${took[demo]}")" "" ""
printf '| %-52s | %-14s | %-10s | %-6s |\n' "make test after it" "$(fmt "${took[test]}")" "" ""
row "make demo + make test" $(( took[demo] + took[test] )) 1200 "≤ 20 min"
row "make package (empty release cache), x86_64 + arm64" "${took[package]}" 600 "≤ 10 min"
printf '| %-52s | %-14s | %-10s | %-6s |\n' "  of which x86_64 (the stacks' default)" "$(fmt "${took[package_x86_64]}")" "" ""
printf '| %-52s | %-14s | %-10s | %-6s |\n' "  of which arm64" "$(fmt "${took[package_arm64]}")" "" ""
row "one task changed, rebuilt for the emulator" "${took[rebuild_debug]}" 120 "≤ 2 min"
row "one task changed, make package (both CPUs)" "${took[rebuild_release]}" 120 "≤ 2 min"
echo "release zips, x86_64: $(wc -l <<<"$zips") tasks, $(( $(head -1 <<<"$zips") / 1024 ))-$(( $(tail -1 <<<"$zips") / 1024 )) KiB each; the bootstrap (every task) $(( zip_bytes / 1024 )) KiB"
exit $missed
