"""AWS services as event sources (irmoto/services.py): EventBridge sources and Security Hub products."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, REGION, emit_as_service, events_to_queue, import_as_service, wait_for


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


def asff(finding_id: str, product: str) -> dict[str, Any]:
    return {"SchemaVersion": "2018-10-08", "Id": finding_id, "ProductArn": product, "GeneratorId": "irmoto",
            "AwsAccountId": ACCOUNT, "Types": ["TTPs/Initial Access"], "CreatedAt": "2026-11-29T10:00:00Z",
            "UpdatedAt": "2026-11-29T10:00:00Z", "Severity": {"Label": "HIGH"}, "Title": "t", "Description": "d",
            "Resources": [{"Type": "AwsEc2Instance", "Id": "i-0123456789abcdef0"}]}


def stored(hub: Any, prefix: str) -> list[str]:
    return sorted(f["Id"] for f in hub.get_findings(MaxResults=100)["Findings"] if f["Id"].startswith(prefix))


def test_callers_cannot_import_findings_as_an_aws_service_or_another_account(aws: Any, uid: str) -> None:
    hub = aws("securityhub")
    received = events_to_queue(aws, f"imported-{uid}", {"source": ["aws.securityhub"],
                                                        "detail": {"findings": {"Id": [{"prefix": uid}]}}})
    own = f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"
    for product in (f"arn:aws:securityhub:{REGION}::product/aws/guardduty",
                    f"arn:aws:securityhub:{REGION}:999999999999:product/999999999999/default"):
        with pytest.raises(ClientError) as e:  # the administrator's key too: a product is not a permission
            hub.batch_import_findings(Findings=[asff(f"{uid}-own", own), asff(f"{uid}-forged", product)])
        assert e.value.response["Error"]["Code"] == "AccessDeniedException"
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert e.value.response["Error"]["Message"] == (
            f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: securityhub:BatchImportFindings "
            f"on resource: {product}")
    assert stored(hub, uid) == []
    assert received() == [], "a refused import reached EventBridge"
    assert hub.batch_import_findings(Findings=[asff(f"{uid}-own", own)])["SuccessCount"] == 1


def test_an_aws_service_imports_its_findings_through_the_harness(aws: Any, uid: str, moto_endpoint: str) -> None:
    hub = aws("securityhub")
    received = events_to_queue(aws, f"guardduty-{uid}", {"source": ["aws.securityhub"], "detail": {"findings": {
        "Id": [{"prefix": uid}], "ProductArn": [f"arn:aws:securityhub:{REGION}::product/aws/guardduty"]}}})
    finding = asff(f"{uid}-gd", f"arn:aws:securityhub:{REGION}::product/aws/guardduty")
    assert import_as_service(moto_endpoint, finding) == {"FailedCount": 0, "SuccessCount": 1, "FailedFindings": []}
    assert stored(hub, uid) == [f"{uid}-gd"]
    events = received()
    assert [e["detail"]["findings"][0]["Id"] for e in events] == [f"{uid}-gd"]
    assert events[0]["detail-type"] == "Security Hub Findings - Imported"
    assert events[0]["detail"]["findings"][0]["Workflow"] == {"Status": "NEW"}
    with pytest.raises(urllib.error.HTTPError) as e:  # only AWS services' products
        import_as_service(moto_endpoint, asff(f"{uid}-own", f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"))
    assert e.value.code == 400 and "product/aws/" in e.value.read().decode()
