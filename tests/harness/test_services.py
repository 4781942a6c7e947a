"""AWS services as event sources (irmoto/services.py)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from conftest import emit_as_service, wait_for


def test_callers_cannot_put_events_with_aws_sources(aws: Any, uid: str) -> None:
    # EventBridge API Reference, PutEventsResultEntry: NotAuthorizedForSourceException.
    result = aws("events").put_events(Entries=[
        {"Source": "aws.guardduty", "DetailType": "GuardDuty Finding", "Detail": "{}"},
        {"Source": f"custom.{uid}", "DetailType": "Thing", "Detail": "{}"},
    ])
    assert result["FailedEntryCount"] == 1
    assert result["Entries"][0]["ErrorCode"] == "NotAuthorizedForSourceException"
    assert "EventId" in result["Entries"][1] and "ErrorCode" not in result["Entries"][1]


def test_a_service_event_flows_through_the_rules(aws: Any, uid: str, moto_endpoint: str) -> None:
    sqs, events = aws("sqs"), aws("events")
    url = sqs.create_queue(QueueName=f"svc-{uid}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=f"gd-{uid}", EventPattern=json.dumps(
        {"source": ["aws.guardduty"], "detail": {"severity": [{"numeric": [">=", 7]}], "id": [uid]}}))
    events.put_targets(Rule=f"gd-{uid}", Targets=[{"Id": "q", "Arn": arn}])
    finding = {"version": "0", "id": f"evt-{uid}", "detail-type": "GuardDuty Finding", "source": "aws.guardduty",
               "account": "123456789012", "time": "2026-11-29T10:00:00Z", "region": "us-east-1", "resources": [],
               "detail": {"id": uid, "severity": 8}}
    low = {**finding, "id": f"low-{uid}", "detail": {"id": uid, "severity": 2}}
    assert emit_as_service(moto_endpoint, low, finding) == [f"low-{uid}", f"evt-{uid}"]
    messages = wait_for(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages"), what="delivery")
    delivered = json.loads(messages[0]["Body"])
    assert delivered["id"] == f"evt-{uid}" and delivered["time"] == "2026-11-29T10:00:00Z"
    assert delivered["detail"] == {"id": uid, "severity": 8}
    assert not sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages"), "the low one matched"


def test_a_malformed_service_event_is_refused(moto_endpoint: str) -> None:
    request = urllib.request.Request(moto_endpoint + "/moto-api/irmoto/service-events",
                                     data=json.dumps({"events": [{"source": "aws.guardduty"}]}).encode(), method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(request, timeout=10)
    assert e.value.code == 400
    assert "no `detail-type`" in e.value.read().decode()
