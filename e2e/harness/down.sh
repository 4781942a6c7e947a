#!/usr/bin/env bash
# Tear down what e2e/harness/up.sh started. Safe to run when nothing is up.
#
# up.sh starts each service as the leader of its own session (setsid), so every
# process it spawned (cargo builds, function binaries, even in other process
# groups) shares that session id: down.sh ends the whole session, TERM then KILL.
# Linux does not reuse a PID while it is still some process's session id, so a
# recorded PID never points at a stranger's session. Logs are kept.
set -euo pipefail

HARNESS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HARNESS/../.." && pwd)"
STATE="${IR_EMULATOR_DIR:-$ROOT/.local/emulator}/state.env"

say() { echo "down.sh: $*" >&2; }

session_members() { ps -eo pid=,sid= | awk -v s="$1" '$2 == s { print $1 }'; }

stop_session() { # leader_pid name
    local sid=$1 name=$2 members
    [[ -n "$sid" ]] || return 0
    members="$(session_members "$sid")"
    if [[ -z "$members" ]]; then
        say "$name (session $sid) is not running"
        return 0
    fi
    # shellcheck disable=SC2086
    kill -TERM $members 2>/dev/null || true
    for _ in $(seq 1 100); do
        members="$(session_members "$sid")"
        [[ -z "$members" ]] && break
        sleep 0.1
    done
    if [[ -n "$members" ]]; then
        say "$name did not stop on TERM in 10 s: KILL $members"
        # shellcheck disable=SC2086
        kill -KILL $members 2>/dev/null || true
        for _ in $(seq 1 50); do
            [[ -z "$(session_members "$sid")" ]] && break
            sleep 0.1
        done
    fi
    [[ -z "$(session_members "$sid")" ]] || { say "$name: processes of session $sid are still there"; return 1; }
    say "$name (session $sid) stopped"
}

if [[ ! -f "$STATE" ]]; then
    say "nothing is up (no ${STATE#"$ROOT"/})"
    exit 0
fi

IR_MOTO_PID="" IR_WATCH_PID=""
eval "$(grep '^export IR_\(MOTO\|WATCH\)_PID=' "$STATE")"
status=0
stop_session "$IR_WATCH_PID" "cargo lambda watch" || status=1
stop_session "$IR_MOTO_PID" "moto" || status=1
if [[ $status == 0 ]]; then
    rm -f "$STATE"
    say "down; logs kept in ${STATE%/state.env}/logs"
fi
exit $status
