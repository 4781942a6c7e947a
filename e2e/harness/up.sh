#!/usr/bin/env bash
# Bring up the local emulator: moto 5.2.5 + irmoto extensions, and (unless
# IR_NO_LAMBDAS=1) `cargo lambda watch` serving the task Lambdas' Invoke API.
#
#   e2e/harness/up.sh                  # or: eval "$(e2e/harness/up.sh)"
#   source .local/emulator/state.env     # AWS_ENDPOINT_URL, MOTO_PORT, IR_LAMBDA_INVOKE_ENDPOINT, ...
#   e2e/harness/down.sh
#
# Idempotent: when what state.env describes is alive and healthy, it is reused.
# Each service runs in its own process group (setsid); down.sh kills the groups.
# Logs: .local/emulator/logs/{moto,cargo-lambda-watch}.log. stdout carries only the
# `export` lines; progress goes to stderr.
# Knobs: IR_NO_LAMBDAS=1 (moto only; Lambda invokes then echo as in plain moto),
#        IR_WATCH_RELOAD=1 (rebuild on code changes; default --ignore-changes),
#        IR_WATCH_ARGS (more `cargo lambda watch` flags, e.g. "--release"),
#        IR_MOTO_START_TIMEOUT (s, default 60), IR_WATCH_START_TIMEOUT (s, default 300).
# The task Lambdas run with AWS_ENDPOINT_URL pointing at moto, as a session of the aws-ir role
# aws-ir-emulator-tasks (see "cargo lambda watch" below); everyone else keeps the `testing` key.
set -euo pipefail

HARNESS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HARNESS/../.." && pwd)"
VENV="$ROOT/.venv"
# IR_EMULATOR_DIR lets tests run an emulator of their own beside the one `make demo` uses.
STATE_DIR="${IR_EMULATOR_DIR:-$ROOT/.local/emulator}"
LOGS="$STATE_DIR/logs"
STATE="$STATE_DIR/state.env"
WANT_LAMBDAS=1
[[ "${IR_NO_LAMBDAS:-0}" == "1" ]] && WANT_LAMBDAS=0

say() { echo "up.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

# ---- the venv, installed from requirements.txt (re-installed when it changes)
ensure_venv() {
    local stamp="$VENV/.irmoto-requirements.sha256" want
    want="$(sha256sum "$HARNESS/requirements.txt" | cut -d' ' -f1)"
    if [[ -x "$VENV/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        return
    fi
    say "installing e2e/harness/requirements.txt into .venv"
    [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HARNESS/requirements.txt" >&2
    echo "$want" >"$stamp"
}

moto_healthy() { curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$1/moto-api/"; }
# TCP only: an HTTP request to the watch server could start a function.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

free_port() {
    "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_until() { # timeout_s description command...
    local timeout=$1 what=$2 waited=0
    shift 2
    until "$@"; do
        if (( waited >= timeout * 10 )); then return 1; fi
        sleep 0.1
        waited=$((waited + 1))
    done
    say "$what is up ($((waited / 10)).$((waited % 10)) s)"
}

print_state() { grep '^export ' "$STATE"; say "ready; in your shell: source ${STATE#"$ROOT"/}"; }

# ---- already up?
if [[ -f "$STATE" ]]; then
    IR_MOTO_PID="" IR_WATCH_PID="" MOTO_PORT="" IR_WATCH_PORT=""
    eval "$(grep '^export ' "$STATE")"
    running_lambdas=0
    [[ -n "${IR_WATCH_PID:-}" ]] && running_lambdas=1
    if pid_alive "$IR_MOTO_PID" && moto_healthy "$MOTO_PORT" && [[ $running_lambdas == "$WANT_LAMBDAS" ]] &&
        { [[ $WANT_LAMBDAS == 0 ]] || { pid_alive "$IR_WATCH_PID" && port_open "$IR_WATCH_PORT"; }; }; then
        say "already up (moto pid $IR_MOTO_PID on $MOTO_PORT${IR_WATCH_PID:+, cargo lambda watch pid $IR_WATCH_PID on $IR_WATCH_PORT})"
        print_state
        exit 0
    fi
    say "state.env is stale or of another mode: tearing it down first"
    "$HARNESS/down.sh" >&2
fi

ensure_venv
mkdir -p "$LOGS"
if [[ $WANT_LAMBDAS == 1 ]]; then
    command -v cargo >/dev/null || die "cargo is not on PATH (or set IR_NO_LAMBDAS=1)"
    [[ -x "$VENV/bin/cargo-lambda" ]] || die ".venv/bin/cargo-lambda missing (see e2e/harness/requirements.txt)"
fi

MOTO_PORT="$(free_port)"
WATCH_PORT=""
INVOKE_ENDPOINT=""
if [[ $WANT_LAMBDAS == 1 ]]; then
    WATCH_PORT="$(free_port)"
    while [[ "$WATCH_PORT" == "$MOTO_PORT" ]]; do WATCH_PORT="$(free_port)"; done
    INVOKE_ENDPOINT="http://127.0.0.1:$WATCH_PORT"
fi
ENDPOINT="http://127.0.0.1:$MOTO_PORT"
# S3 Control puts the account id in the host name (123456789012.s3-control...), which no DNS
# here resolves. Those names go through a proxy instead: moto's own server, which takes a
# proxy's absolute-form request and routes it by path (/v20180820/ is S3 Control). The task
# Lambdas honour the standard proxy variables, as the AWS CLI does; everything else is direct.
S3_CONTROL_ENDPOINT="http://s3-control.emulator.invalid:$MOTO_PORT"

# Written before anything starts, so that down.sh can clean up after a failed start.
write_state() {
    local tmp="$STATE.tmp"
    {
        echo "# Written by e2e/harness/up.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ). Source it: . ${STATE#"$ROOT"/}"
        echo "export AWS_ENDPOINT_URL=$ENDPOINT"
        echo "export MOTO_PORT=$MOTO_PORT"
        echo "export AWS_REGION=us-east-1"
        echo "export AWS_DEFAULT_REGION=us-east-1"
        echo "export AWS_ACCESS_KEY_ID=testing"
        echo "export AWS_SECRET_ACCESS_KEY=testing"
        echo "export AWS_ENDPOINT_URL_S3_CONTROL=$S3_CONTROL_ENDPOINT"
        echo "export HTTP_PROXY=$ENDPOINT"
        echo "export NO_PROXY=127.0.0.1,localhost"
        [[ -n "$INVOKE_ENDPOINT" ]] && echo "export IR_LAMBDA_INVOKE_ENDPOINT=$INVOKE_ENDPOINT"
        [[ -n "$WATCH_PORT" ]] && echo "export IR_WATCH_PORT=$WATCH_PORT"
        [[ -n "${TASKS_ROLE_ARN:-}" ]] && echo "export IR_TASKS_ROLE_ARN=$TASKS_ROLE_ARN"
        echo "export IR_MOTO_PID=${MOTO_PID:-}"
        echo "export IR_WATCH_PID=${WATCH_PID:-}"
        echo "export IR_EMULATOR_LOGS=$LOGS"
    } >"$tmp"
    mv "$tmp" "$STATE"
}

fail_start() {
    say "$1; last lines of $2:"
    tail -n 30 "$2" >&2 || true
    "$HARNESS/down.sh" >&2 || true
    exit 1
}

# ---- moto (its own process group; MOTO_PORT for Step Functions' integrations)
MOTO_PID="" WATCH_PID=""
write_state
(
    cd "$HARNESS"
    export MOTO_PORT PYTHONPATH="$HARNESS"
    if [[ -n "$INVOKE_ENDPOINT" ]]; then export IR_LAMBDA_INVOKE_ENDPOINT="$INVOKE_ENDPOINT"; else unset IR_LAMBDA_INVOKE_ENDPOINT; fi
    exec setsid "$VENV/bin/python" -m irmoto.server --host 127.0.0.1 --port "$MOTO_PORT"
) >"$LOGS/moto.log" 2>&1 </dev/null &
MOTO_PID=$!
write_state
wait_until "${IR_MOTO_START_TIMEOUT:-60}" "moto on $ENDPOINT" \
    bash -c "kill -0 $MOTO_PID 2>/dev/null && curl -fs -o /dev/null --max-time 2 $ENDPOINT/moto-api/" ||
    fail_start "moto did not answer on $ENDPOINT" "$LOGS/moto.log"

# ---- cargo lambda watch (serves every task function from tasks' one bootstrap binary)
if [[ $WANT_LAMBDAS == 1 ]]; then
    # Why roles: with the administrator's `testing` key nothing would be evaluated (irmoto/iam.py);
    # as sessions of aws-ir roles (path /aws-ir/emulator/, `*` on `*`) the templates' resource
    # policies and key policies apply to the tasks as they do on AWS, and GetCallerIdentity answers
    # an aws-ir role. The watch process holds aws-ir-emulator-tasks; each function's process is
    # started as its own task's role, aws-ir-emulator-<task>, tagged `aws-ir:task` as the
    # generated task roles are (a member account's aws-ir role trusts that tag, #20). moto never
    # expires the sessions (it enforces no expiry, and irmoto.iam does not look at it).
    task_credentials="$(cd "$HARNESS" && env -u AWS_SESSION_TOKEN -u AWS_PROFILE PYTHONPATH="$HARNESS" \
        AWS_ENDPOINT_URL="$ENDPOINT" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
        AWS_DEFAULT_REGION=us-east-1 NO_PROXY=127.0.0.1,localhost \
        "$VENV/bin/python" -m irmoto.fixtures task-credentials 2>>"$LOGS/moto.log")" ||
        fail_start "the task role could not be made (python -m irmoto.fixtures task-credentials)" "$LOGS/moto.log"
    field() { "$VENV/bin/python" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$task_credentials" "$1"; }
    TASK_KEY="$(field AccessKeyId)" TASK_SECRET="$(field SecretAccessKey)" TASK_TOKEN="$(field SessionToken)"
    TASKS_ROLE_ARN="$(field RoleArn)"
    # Each task's process runs as a role of its own (tagged with the task's name, as on AWS):
    # cargo-for-watch starts it with the session written here.
    TASK_CREDENTIALS_DIR="$STATE_DIR/task-credentials"
    (cd "$HARNESS" && env -u AWS_SESSION_TOKEN -u AWS_PROFILE PYTHONPATH="$HARNESS" \
        AWS_ENDPOINT_URL="$ENDPOINT" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
        AWS_DEFAULT_REGION=us-east-1 NO_PROXY=127.0.0.1,localhost \
        "$VENV/bin/python" -m irmoto.fixtures task-role-credentials "$TASK_CREDENTIALS_DIR" >/dev/null 2>>"$LOGS/moto.log") ||
        fail_start "the task roles could not be made (python -m irmoto.fixtures task-role-credentials)" "$LOGS/moto.log"
    write_state
    (
        cd "$ROOT"
        # The task Lambdas talk to the emulator: the SDK honours AWS_ENDPOINT_URL.
        export PATH="$VENV/bin:$PATH" AWS_ENDPOINT_URL="$ENDPOINT" AWS_REGION=us-east-1 \
            AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID="$TASK_KEY" AWS_SECRET_ACCESS_KEY="$TASK_SECRET" \
            AWS_SESSION_TOKEN="$TASK_TOKEN" \
            AWS_ENDPOINT_URL_S3_CONTROL="$S3_CONTROL_ENDPOINT" HTTP_PROXY="$ENDPOINT" NO_PROXY=127.0.0.1,localhost
        # Not --only-lambda-apis: that serves the APIs without starting any function.
        reload=(--ignore-changes)
        [[ "${IR_WATCH_RELOAD:-0}" == "1" ]] && reload=()
        # shellcheck disable=SC2086
        # Several instances per function, as Lambda runs concurrent invocations side by side.
        # Every function runs from the one bootstrap (see cargo-for-watch). cargo-lambda is run
        # directly, not as `cargo lambda`: cargo would set CARGO to itself for its subcommand,
        # and CARGO is what cargo-lambda calls to start a function.
        IR_REAL_CARGO="$(command -v cargo)"
        export IR_REAL_CARGO CARGO="$HARNESS/cargo-for-watch" IR_TASK_CREDENTIALS_DIR="$TASK_CREDENTIALS_DIR"
        exec setsid "$VENV/bin/cargo-lambda" lambda watch "${reload[@]}" --concurrency "${IR_WATCH_CONCURRENCY:-8}" \
            --invoke-address 127.0.0.1 --invoke-port "$WATCH_PORT" ${IR_WATCH_ARGS:-}
    ) >"$LOGS/cargo-lambda-watch.log" 2>&1 </dev/null &
    WATCH_PID=$!
    write_state
    wait_until "${IR_WATCH_START_TIMEOUT:-300}" "cargo lambda watch on $INVOKE_ENDPOINT" \
        bash -c "kill -0 $WATCH_PID 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/$WATCH_PORT) 2>/dev/null" ||
        fail_start "cargo lambda watch did not open $INVOKE_ENDPOINT" "$LOGS/cargo-lambda-watch.log"
fi

print_state
