#!/usr/bin/env python3
"""make bench, part 6: cold start and memory of the task Lambdas, as Lambda starts them (#19).

A local stand-in for the Lambda Runtime API (the three calls a runtime makes: ``GET
/2018-06-01/runtime/invocation/next``, ``POST .../{id}/response`` and ``.../{id}/error``) serves
one invocation to a freshly started process and records, from the process start:

- init: the time to its first ``GET /next`` (what Lambda bills as Init);
- first response: the time to its answer to the first event (here an empty payload, which
  every task answers with ``IR.InvalidEvent`` before any AWS call);
- peak memory: the process's VmHWM (peak resident set) just after it answered.

Each task runs BENCH_COLD_STARTS times (default 10) and the median is reported, beside:

- the floor: a Rust hello-world on the same runtime crate (``tools/hello-lambda``);
- a Python 3 + boto3 twin of ``isolate-network`` (``tools/coldstart/isolate_network.py``),
  idiomatic: its clients are made at import, as AWS recommends, and a small loop speaks the
  Runtime API as the managed runtime's does.

The Rust binaries are the release build for x86_64 ``provided.al2023`` (``make package``): each
task's own binary, the one its zip holds, whose size is printed beside it (and the bootstrap's,
which serves every task). The arm64 build (``make package`` builds both) is reported beside it:
its zips' sizes, and, when ``qemu-aarch64`` and an arm64 C library (Debian's ``qemu-user`` and
``libc6-arm64-cross``) are installed, one start of every task under that emulator, to show that
each one starts and answers as on x86_64. Times under an emulated CPU say nothing about
Graviton, so they are printed as such and held to no target. Targets (the issue's): init <= 20 ms, peak <= 24 MiB, zip <= 3 MB, and
at least 20x faster init than the Python twin. Exits 1 when a target is missed, 2 when a run
fails.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/aws-ir/target"))
LAMBDA = TARGET / "lambda"
HELLO = ROOT / "tools" / "hello-lambda"
HELLO_BIN = TARGET / "hello-lambda" / "release" / "hello-lambda"
TWIN = ROOT / "tools" / "coldstart" / "isolate_network.py"
ARM_LAMBDA = TARGET / "lambda-arm64"
ARM_SYSROOT = Path("/usr/aarch64-linux-gnu")
STARTS = int(os.environ.get("BENCH_COLD_STARTS", "10"))
INIT_MS, PEAK_MIB, ZIP_MB, PYTHON_RATIO = 20.0, 24.0, 3.0, 20.0


def log(message: str) -> None:
    print(f"bench-coldstart: {message}", file=sys.stderr, flush=True)


class Invocation:
    """One process's one invocation, as the stand-in saw it."""

    def __init__(self, event: dict[str, Any]) -> None:
        self.event = json.dumps(event).encode()
        self.request_id = str(uuid.uuid4())
        self.first_next: float | None = None
        self.answered: float | None = None
        self.outcome = ""
        self.done = threading.Event()


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A stopped process leaves its waiting `GET /next` behind: its broken pipe is expected.
        pass


class RuntimeApi(BaseHTTPRequestHandler):
    """The Runtime API for one invocation at a time (``server.current``)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        inv: Invocation = self.server.current  # type: ignore[attr-defined]
        if self.path != "/2018-06-01/runtime/invocation/next":
            return self._reply(404, b"{}")
        if inv.first_next is None:
            inv.first_next = time.perf_counter()
            deadline = str(int(time.time() * 1000) + 60_000)
            return self._reply(200, inv.event, {
                "Lambda-Runtime-Aws-Request-Id": inv.request_id,
                "Lambda-Runtime-Deadline-Ms": deadline,
                "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:123456789012:function:bench",
                "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000",
                "Content-Type": "application/json",
            })
        # The next invocation never comes: the process is stopped after its first answer.
        inv.done.wait(30)
        self._reply(500, b"{}")

    def do_POST(self) -> None:  # noqa: N802
        inv: Invocation = self.server.current  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.endswith("/response") or self.path.endswith("/error"):
            inv.answered = time.perf_counter()
            inv.outcome = ("response: " if self.path.endswith("/response") else "error: ") + body[:120].decode(
                errors="replace")
        elif self.path.endswith("/init/error"):
            inv.outcome = "init error: " + body[:200].decode(errors="replace")
        self._reply(202, b"{}")
        if inv.answered is not None or "init error" in inv.outcome:
            inv.done.set()


def peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def cold_start(command: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """(init ms, first response ms, peak MiB, outcome) of one fresh process, on a Runtime API of
    its own (a stopped process's last `GET /next` must not take the next one's event)."""
    server = Server(("127.0.0.1", 0), RuntimeApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        return _cold_start(server, command, env)
    finally:
        server.shutdown()
        server.server_close()


def _cold_start(server: ThreadingHTTPServer, command: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    inv = Invocation({})
    server.current = inv  # type: ignore[attr-defined]
    full = {**env, "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_address[1]}"}
    begin = time.perf_counter()
    process = subprocess.Popen(command, env=full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not inv.done.wait(30) or inv.first_next is None or inv.answered is None:
            process.kill()
            said = process.communicate()[1].decode(errors="replace")[-600:]
            raise RuntimeError(f"{' '.join(command[-1:])} ({env.get('IR_TASK', '')}): no answer within 30 s "
                               f"({inv.outcome or 'nothing'}); it said: {said}")
        peak = peak_kib(process.pid) / 1024
    finally:
        stop(process)
    return (inv.first_next - begin) * 1000, (inv.answered - begin) * 1000, peak, inv.outcome


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ends a started task process, whether or not it answered."""
    if process.poll() is None:
        process.kill()
    process.wait()
    if process.stderr and not process.stderr.closed:
        process.stderr.close()


def measure(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    runs = [cold_start(command, env) for _ in range(STARTS)]
    return {"init": statistics.median(r[0] for r in runs), "first": statistics.median(r[1] for r in runs),
            "peak": max(r[2] for r in runs), "outcome": runs[0][3]}


def tasks() -> list[str]:
    """Every task of every playbook: each has its input schema in statemachines/schemas/."""
    return sorted(p.name.split(".")[0] for p in (ROOT / "statemachines" / "schemas").glob("*.input.schema.json"))


def zip_mb(lambda_dir: Path, name: str) -> float:
    """The size of `name`'s zip as ``make package`` wrote it, in MB."""
    return (lambda_dir / name / "bootstrap.zip").stat().st_size / 1e6


def main() -> int:
    needed = [LAMBDA / "bootstrap" / "bootstrap.zip", HELLO_BIN]
    needed += [LAMBDA / t / f for t in tasks() for f in ("bootstrap", "bootstrap.zip")]
    for need in needed:
        if not need.exists():
            log(f"{need} is missing: make bench builds it (make package, tools/hello-lambda)")
            return 2
    env = {"PATH": os.environ["PATH"], "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_LAMBDA_FUNCTION_NAME": "bench", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
           "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
           "AWS_LAMBDA_LOG_GROUP_NAME": "bench", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    rows: list[tuple[str, dict[str, Any]]] = []
    try:
        rows.append(("hello-world (Rust, the floor)", measure([str(HELLO_BIN)], env)))
        twin = measure([sys.executable, str(TWIN)], env)
        for task in tasks():
            rows.append((task, measure([str(LAMBDA / task / "bootstrap")], {**env, "IR_TASK": task})))
            log(f"{task}: init {rows[-1][1]['init']:.1f} ms, peak {rows[-1][1]['peak']:.1f} MiB")
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        log(f"the run failed: {e}")
        return 2

    missed = []
    print(f"\nCold start on the Runtime API stand-in: median of {STARTS} starts, x86_64 release build, "
          f"each task's own binary and zip (make package)")
    print(f"  {'task':<28} {'init ms':>8} {'1st answer ms':>14} {'peak MiB':>9} {'vs Python init':>15} {'zip MB':>7}")
    zips = []
    for name, r in rows:
        ratio = twin["init"] / r["init"] if r["init"] else float("inf")
        flags = []
        size = ""
        if not name.startswith("hello"):
            zips.append(zip_mb(LAMBDA, name))
            size = f"{zips[-1]:.2f}"
            if r["init"] > INIT_MS:
                flags.append("init")
            if r["peak"] > PEAK_MIB:
                flags.append("memory")
            if ratio < PYTHON_RATIO:
                flags.append("vs Python")
            if zips[-1] > ZIP_MB:
                flags.append("zip")
            if flags:
                missed.append(name)
        print(f"  {name:<28} {r['init']:>8.1f} {r['first']:>14.1f} {r['peak']:>9.1f} {ratio:>14.0f}x {size:>7}"
              + (f"  MISSED: {', '.join(flags)}" if flags else ""))
    print(f"  {'isolate-network, Python twin':<28} {twin['init']:>8.1f} {twin['first']:>14.1f} {twin['peak']:>9.1f}")
    print(f"  zips: {min(zips):.2f} / {statistics.median(zips):.2f} / {max(zips):.2f} MB (smallest / median / largest); "
          f"the bootstrap that serves every task {zip_mb(LAMBDA, 'bootstrap'):.2f} MB")
    over = sum(z > ZIP_MB for z in zips)
    print(f"  targets: init <= {INIT_MS:.0f} ms, peak <= {PEAK_MIB:.0f} MiB, zip <= {ZIP_MB:.0f} MB "
          f"({'MISSED by ' + str(over) + ' of ' + str(len(zips)) if over else 'met'}), "
          f"init >= {PYTHON_RATIO:.0f}x faster than Python")
    arm_failed = arm64(env)
    first_failed = first_call(env)
    return 1 if missed or arm_failed or first_failed else 0


# --- the first call (#19, item 3) ---------------------------------------------------------------

class Sequence:
    """Events served one after another to one process: when each was delivered (its `GET
    /next` answered) and answered, and the answers."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = [json.dumps(e).encode() for e in events]
        self.delivered: list[float] = []
        self.answered: list[float] = []
        self.answers: list[str] = []
        self.first_next: float | None = None
        self.lock = threading.Lock()
        self.done = threading.Event()


class SequenceApi(RuntimeApi):
    def do_GET(self) -> None:  # noqa: N802
        seq: Sequence = self.server.current  # type: ignore[attr-defined]
        with seq.lock:
            if seq.first_next is None:
                seq.first_next = time.perf_counter()
            index = len(seq.delivered)
            if index < len(seq.events) and len(seq.answered) == index:
                seq.delivered.append(time.perf_counter())
                event = seq.events[index]
            else:
                event = None
        if event is None:
            seq.done.wait(30)
            return self._reply(500, b"{}")
        self._reply(200, event, {
            "Lambda-Runtime-Aws-Request-Id": f"req-{index}",
            "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 60_000),
            "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:123456789012:function:bench",
            "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000",
            "Content-Type": "application/json",
        })

    def do_POST(self) -> None:  # noqa: N802
        seq: Sequence = self.server.current  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with seq.lock:
            if self.path.endswith(("/response", "/error")):
                seq.answered.append(time.perf_counter())
                seq.answers.append(("response: " if self.path.endswith("/response") else "error: ")
                                   + body.decode(errors="replace"))
            elif self.path.endswith("/init/error"):
                seq.answers.append("init error: " + body[:300].decode(errors="replace"))
                seq.done.set()
            if len(seq.answered) == len(seq.events):
                seq.done.set()
        self._reply(202, b"{}")


def serve_sequence(command: list[str], env: dict[str, str], events: list[dict[str, Any]]) -> Sequence:
    """Starts `command` on a Runtime API of its own and serves it `events`, each once the one
    before was answered."""
    server = Server(("127.0.0.1", 0), SequenceApi)
    seq = Sequence(events)
    server.current = seq  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {**env, "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_address[1]}"}
    seq.begin = time.perf_counter()  # type: ignore[attr-defined]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not seq.done.wait(60) or len(seq.answered) < len(seq.events):
            process.kill()
            said = process.communicate()[1].decode(errors="replace")[-600:]
            raise RuntimeError(f"{env.get('IR_TASK', '')}: {len(seq.answered)} of {len(seq.events)} events "
                               f"answered ({seq.answers[-1:] or 'nothing'}); it said: {said}")
    finally:
        stop(process)
        server.shutdown()
        server.server_close()
    return seq


def tls_emulator(workdir: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    """moto over HTTPS on a loopback port, with a certificate for 127.0.0.1 made here, so that
    a first call pays what it pays on AWS: the TLS configuration, TCP and the handshake (no
    network latency: loopback)."""
    import datetime
    import ipaddress
    import socket
    import urllib.request
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    # A CA of its own, and the emulator's certificate from it (webpki refuses a CA certificate
    # as a server's).
    now = datetime.datetime.now(datetime.timezone.utc)

    def certificate(subject: str, key: Any, issuer: Any, issuer_key: Any, ca: bool) -> Any:
        b = (x509.CertificateBuilder()
             .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
             .issuer_name(issuer).public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), True))
        if not ca:
            b = b.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        return b.sign(issuer_key, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aws-ir bench CA")])
    ca = certificate("aws-ir bench CA", ca_key, ca_name, ca_key, True)
    cert = certificate("127.0.0.1", key, ca_name, ca_key, False)
    ca_path, cert_path, key_path = workdir / "ca.pem", workdir / "emulator.pem", workdir / "emulator.key"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # TCP_NODELAY on the server's sockets, as AWS's endpoints answer: Werkzeug writes a TLS
    # response in several small records, and on loopback Nagle's algorithm against the client's
    # delayed ACK held some answers 40 ms, which no real endpoint does.
    server = ("import socket, sys\n"
              "import werkzeug.serving as serving\n"
              "setup = serving.WSGIRequestHandler.setup\n"
              "def nodelay(self):\n"
              "    self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)\n"
              "    setup(self)\n"
              "serving.WSGIRequestHandler.setup = nodelay\n"
              "from moto.server import main\n"
              "main(sys.argv[1:])\n")
    moto = subprocess.Popen([str(ROOT / ".venv" / "bin" / "python"), "-c", server, "-H", "127.0.0.1",
                             "-p", str(port), "-c", str(cert_path), "-k", str(key_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"https://127.0.0.1:{port}"
    context = ssl.create_default_context(cafile=str(ca_path))
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/moto-api/", context=context, timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        moto.kill()
        raise RuntimeError("moto did not come up over HTTPS")
    return moto, url, ca_path


def first_call(env: dict[str, str]) -> bool:
    """The first AWS call after a cold start, with the connection opened while the Lambda
    starts (as shipped) and without it (`IR_PRECONNECT=0`): `assess-instance` asked about an
    instance that does not exist, so its one call is `ec2:DescribeInstances` and its answer
    `IR.ResourceNotFound`. Each process gets the event twice; the second call is the warm one.
    True when a run failed or the connection made ahead did not take the first call's cost."""
    import tempfile

    case = json.loads((ROOT / "tasks/contract/samples/guardduty-ec2-backdoor-c2.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        try:
            moto, url, cert = tls_emulator(Path(tmp))
        except (RuntimeError, OSError, ImportError) as e:
            print(f"\nfirst call: not measured ({e})")
            return True
        try:
            run_env = {**env, "AWS_ENDPOINT_URL": url, "SSL_CERT_FILE": str(cert)}
            normalized = serve_sequence([str(LAMBDA / "normalize" / "bootstrap")], {**run_env, "IR_TASK": "normalize"},
                                        [{"event": case, "dry_run": False}])
            answer = normalized.answers[0]
            if not answer.startswith("response: "):
                print(f"\nfirst call: normalize refused the sample: {answer[:300]}")
                return True
            step = {"case": json.loads(answer[len("response: "):])["case"], "instance_id": "i-0feedfacefeedface",
                    "execution": "arn:aws:states:us-east-1:123456789012:execution:bench:first-call",
                    "policy": BENCH_POLICY}
            # moto's first DescribeInstances builds its EC2 backend (about a second): not ours.
            serve_sequence([str(LAMBDA / "assess-instance" / "bootstrap")], {**run_env, "IR_TASK": "assess-instance"}, [step])
            results: dict[str, list[tuple[float, float, float]]] = {"made while starting (as shipped)": [],
                                                                    "left to the first call (IR_PRECONNECT=0)": []}
            for label, extra in (("made while starting (as shipped)", {}),
                                 ("left to the first call (IR_PRECONNECT=0)", {"IR_PRECONNECT": "0"})):
                for _ in range(STARTS):
                    seq = serve_sequence([str(LAMBDA / "assess-instance" / "bootstrap")], {**run_env, **extra, "IR_TASK": "assess-instance"}, [step, step])
                    for a in seq.answers:
                        if "IR.ResourceNotFound" not in a:
                            print(f"\nfirst call: assess-instance answered {a[:1200]}")
                            return True
                    results[label].append(((seq.first_next - seq.begin) * 1000,  # type: ignore[attr-defined,operator]
                                           (seq.answered[0] - seq.delivered[0]) * 1000,
                                           (seq.answered[1] - seq.delivered[1]) * 1000))
        finally:
            moto.kill()
            moto.wait()
    print(f"\nFirst call after a cold start (assess-instance, one ec2:DescribeInstances against moto over HTTPS "
          f"on loopback; median of {STARTS} starts):")
    print(f"  {'connections':<44}{'init ms':>9}{'1st invoke ms':>15}{'2nd invoke ms':>15}")
    med = {}
    for label, rows in results.items():
        med[label] = tuple(statistics.median(r[i] for r in rows) for i in range(3))
        print(f"  {label:<44}{med[label][0]:>9.1f}{med[label][1]:>15.1f}{med[label][2]:>15.1f}")
    shipped = med["made while starting (as shipped)"]
    penalty = shipped[1] - shipped[2]
    print(f"  first-call penalty as shipped: {penalty:.1f} ms over a warm call (target: none, within 5 ms)")
    return penalty > 5.0


# The stack's policy as ReadPolicy gives it to a per-instance step (assess-instance reads only
# the exclusion and protection settings before it looks the instance up).
BENCH_POLICY = {
    "exclusion_tag": "aws-ir:exclude", "protected_tag": "aws-ir:protected", "excluded_accounts": "",
    "min_severity_automatic": 7.0, "approval_timeout_seconds": 3600.0, "on_approval_timeout": "skip",
    "volatile_capture": False, "capture_timeout_seconds": 60, "profile_action": "remove",
    "quarantine_profile_arn": "", "revoke_role_sessions": False, "forensic_instance_id": "",
    "forensic_subnet_id": "", "forensic_security_group_id": "", "nacl_isolation": False,
    "case_table": "bench-cases", "evidence_bucket": "bench-evidence", "capture_document": "bench-capture",
    "memory_upload_document": "bench-upload", "record_key": "", "signing_key": "",
    "forensic_account_id": "", "forensic_key_arn": "",
}


def arm64(env: dict[str, str]) -> bool:
    """The arm64 build: its zip size, and every task started once under qemu when it can be.
    True when the build is there and a task did not start and answer."""
    import shutil

    if not all((ARM_LAMBDA / t / "bootstrap.zip").exists() and (ARM_LAMBDA / t / "bootstrap").exists() for t in tasks()):
        print(f"\narm64: no build in {ARM_LAMBDA} (make package builds it; ARCH=x86_64 leaves it out)")
        return False
    zips = [zip_mb(ARM_LAMBDA, t) for t in tasks()]
    over = sum(z > ZIP_MB for z in zips)
    print(f"\narm64 release build: zips {min(zips):.2f} / {statistics.median(zips):.2f} / {max(zips):.2f} MB "
          f"(smallest / median / largest; target <= {ZIP_MB:.0f} MB: "
          f"{'MISSED by ' + str(over) + ' of ' + str(len(zips)) if over else 'met'}); "
          f"the bootstrap {zip_mb(ARM_LAMBDA, 'bootstrap'):.2f} MB")
    qemu = shutil.which("qemu-aarch64") or shutil.which("qemu-aarch64-static")
    if not qemu or not ARM_SYSROOT.exists():
        print("  not started: no qemu-aarch64 or no arm64 C library here (apt-get install qemu-user libc6-arm64-cross)")
        return False
    failed, inits = [], []
    for task in tasks():
        try:
            init, first, peak, outcome = cold_start([qemu, "-L", str(ARM_SYSROOT), str(ARM_LAMBDA / task / "bootstrap")], {**env, "IR_TASK": task})
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            failed.append(f"{task}: {e}")
            continue
        if "IR.InvalidEvent" not in outcome:
            failed.append(f"{task}: answered {outcome[:200]}")
        inits.append(init)
    print(f"  under qemu-aarch64 (an emulated CPU on this x86_64 host: a check that every task starts and "
          f"answers, not a Graviton figure): {len(tasks()) - len(failed)} of "
          f"{len(tasks())} tasks answered IR.InvalidEvent to an empty event; init median {statistics.median(inits) if inits else float('nan'):.0f} ms emulated")
    for f in failed:
        print(f"  FAILED: {f}")
    return bool(failed)


if __name__ == "__main__":
    sys.exit(main())
