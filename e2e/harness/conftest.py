"""Fixtures: a real irmoto server on a free port, and a stand-in for `cargo lambda watch`.

IRMOTO_TEST_WITHOUT_EXTENSIONS=1 starts plain moto instead (same config), to check
that each test fails without the extension it covers.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

HARNESS = Path(__file__).resolve().parent
REGION = "us-east-1"
ACCOUNT = "123456789012"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0, interval: float = 0.05, what: str = "") -> Any:
    """Poll until predicate() is truthy; return its value or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
        time.sleep(interval)


class HandlerError(Exception):
    """Raised by a fake handler: answered like lambda_runtime's error through cargo lambda watch."""

    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type, self.message = error_type, message


class FakeInvokeServer:
    """Serves POST /2015-03-31/functions/<name>/invocations as `cargo lambda watch` does:
    200 + the handler's JSON; a handler error is HTTP 500 with
    {"errorType", "errorMessage"} and no X-Amz-Function-Error header; an unknown
    function is 404 {"title", "detail"}."""

    def __init__(self) -> None:
        self.handlers: dict[str, Callable[[Any], Any]] = {}
        self.calls: list[tuple[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                parts = self.path.strip("/").split("/")
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if len(parts) != 4 or parts[:2] != ["2015-03-31", "functions"] or parts[3] != "invocations":
                    return self._answer(404, {"title": "Not found"})
                name, event = parts[2], json.loads(body or b"null")
                fake.calls.append((name, event))
                handler = fake.handlers.get(name)
                if handler is None:
                    return self._answer(404, {"title": "Missing function", "detail": name})
                try:
                    return self._answer(200, handler(event))
                except HandlerError as err:
                    return self._answer(500, {"errorType": err.error_type, "errorMessage": err.message})

            def _answer(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def calls_to(self, name: str) -> list[Any]:
        return [event for called, event in list(self.calls) if called == name]


@pytest.fixture(scope="session")
def fake_invoke_server() -> Iterator[FakeInvokeServer]:
    fake = FakeInvokeServer()
    yield fake
    fake.server.shutdown()


@pytest.fixture
def fake_lambda(fake_invoke_server: FakeInvokeServer) -> Iterator[FakeInvokeServer]:
    fake_invoke_server.handlers.clear()
    fake_invoke_server.calls.clear()
    yield fake_invoke_server
    fake_invoke_server.handlers.clear()


@pytest.fixture(scope="session")
def moto_endpoint(fake_invoke_server: FakeInvokeServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    env = {
        **os.environ,
        "PYTHONPATH": str(HARNESS),
        "MOTO_PORT": str(port),
        "IR_LAMBDA_INVOKE_ENDPOINT": fake_invoke_server.endpoint,
        # AWS managed policies exist in every account (ManagedPolicyArns attach them); as
        # irmoto.server sets it, but not left to whatever the caller's environment says.
        "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
    }
    cmd = [sys.executable, "-m", "irmoto.server", "--host", "127.0.0.1", "--port", str(port)]
    if os.environ.get("IRMOTO_TEST_WITHOUT_EXTENSIONS") == "1":
        cmd.append("--without-extensions")
    proc = subprocess.Popen(cmd, cwd=HARNESS, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    endpoint = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"moto server exited with {proc.returncode}; log: {log.name}")
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                return True
        except OSError:
            return False

    try:
        wait_for(up, timeout=60, interval=0.1, what="the moto server")
        yield endpoint
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def aws(moto_endpoint: str) -> Callable[[str], Any]:
    """aws("sqs") -> a boto3 client for the emulator."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=moto_endpoint)

    return client


@pytest.fixture
def uid() -> str:
    """A short unique suffix: the server is shared by the whole session."""
    return uuid.uuid4().hex[:10]


def events_to_queue(aws: Callable[[str], Any], name: str, pattern: dict[str, Any]) -> Callable[[], list[dict[str, Any]]]:
    """A rule with `pattern` on the default bus delivering to a fresh queue; returns a function
    that reads what arrived (three 1-second polls)."""
    sqs, events = aws("sqs"), aws("events")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": arn}])

    def received() -> list[dict[str, Any]]:
        got = []
        for _ in range(3):
            got += [json.loads(m["Body"]) for m in sqs.receive_message(
                QueueUrl=url, WaitTimeSeconds=1, MaxNumberOfMessages=10).get("Messages", [])]
        return got

    return received


def execution_finished(sfn: Any, execution_arn: str) -> Callable[[], dict[str, Any] | None]:
    def check() -> dict[str, Any] | None:
        described = sfn.describe_execution(executionArn=execution_arn)
        return described if described["status"] != "RUNNING" else None

    return check


def history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    return sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]


ROLE_NAME = "ir-harness"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"


@pytest.fixture(scope="session", autouse=True)
def harness_role(aws: Callable[[str], Any]) -> str:
    """One IAM role that Lambda, Step Functions and EventBridge may assume (moto checks
    the trust policy when a function is created)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com", "events.amazonaws.com"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    return aws("iam").create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def emit_as_service(endpoint: str, *events: dict[str, Any]) -> list[str]:
    """Delivers events to the default bus as the AWS service in their `source` would
    (callers cannot put `aws.*` events; see irmoto/services.py)."""
    request = urllib.request.Request(
        endpoint + "/moto-api/irmoto/service-events",
        data=json.dumps({"events": list(events)}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return [e["EventId"] for e in json.load(response)["Entries"]]


def import_as_service(endpoint: str, *findings: dict[str, Any]) -> dict[str, Any]:
    """Imports findings into Security Hub as the AWS service their ProductArn names (GuardDuty,
    Security Hub's controls): callers cannot (see irmoto/services.py)."""
    request = urllib.request.Request(
        endpoint + "/moto-api/irmoto/securityhub-findings",
        data=json.dumps({"Findings": list(findings)}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@pytest.fixture
def emulator_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment up.sh's state.env gives a shell (the administrator's `testing` key): the
    fixture commands (irmoto.fixtures) run in it."""
    env = {"AWS_ENDPOINT_URL": moto_endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    return env


def signed_as(endpoint: str, credentials: dict[str, str]) -> Callable[[str], Any]:
    """signed_as(endpoint, credentials)("sqs") -> a client signing as an emulator principal (no retries)."""
    from botocore.config import Config

    session = boto3.session.Session(aws_access_key_id=credentials["AccessKeyId"],
                                    aws_secret_access_key=credentials["SecretAccessKey"],
                                    aws_session_token=credentials.get("SessionToken"), region_name=REGION)
    config = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    return lambda service: session.client(service, endpoint_url=endpoint, config=config)
