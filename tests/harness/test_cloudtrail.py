"""irmoto.cloudtrail through boto3 against a real server: SnsTopicName as an ARN, DeleteTrail by
ARN taking the tags with it, CreateTrail refusing a name in use, tag writes delivered to
EventBridge as "AWS API Call via CloudTrail". Run with IRMOTO_TEST_WITHOUT_EXTENSIONS=1 to see
them fail."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, REGION, events_to_queue, signed_as


def bucket(aws: Any, uid: str) -> str:
    name = f"trail-logs-{uid}"
    aws("s3").create_bucket(Bucket=name)
    return name


def test_a_topic_arn_is_taken_as_the_topic(aws: Any, uid: str) -> None:
    topic = aws("sns").create_topic(Name=f"trail-{uid}")["TopicArn"]
    ct = aws("cloudtrail")
    ct.create_trail(Name=f"t-{uid}", S3BucketName=bucket(aws, uid), SnsTopicName=topic)
    trail = ct.get_trail(Name=f"t-{uid}")["Trail"]
    assert trail["SnsTopicARN"] == topic
    assert trail["SnsTopicName"] == f"trail-{uid}"


def test_delete_by_arn_takes_the_tags_with_it(aws: Any, uid: str) -> None:
    ct = aws("cloudtrail")
    logs = bucket(aws, uid)
    arn = ct.create_trail(Name=f"t-{uid}", S3BucketName=logs, TagsList=[{"Key": "owner", "Value": "sec"}])["TrailARN"]
    ct.delete_trail(Name=arn)
    with pytest.raises(ClientError) as gone:
        ct.get_trail(Name=f"t-{uid}")
    assert gone.value.response["Error"]["Code"] == "TrailNotFoundException"
    ct.create_trail(Name=f"t-{uid}", S3BucketName=logs)
    tags = ct.list_tags(ResourceIdList=[arn])["ResourceTagList"][0].get("TagsList", [])
    assert tags == []
    with pytest.raises(ClientError) as unknown:
        ct.delete_trail(Name=f"never-{uid}")
    assert unknown.value.response["Error"]["Code"] == "TrailNotFoundException"


def test_a_name_in_use_is_refused(aws: Any, uid: str) -> None:
    ct = aws("cloudtrail")
    logs = bucket(aws, uid)
    ct.create_trail(Name=f"t-{uid}", S3BucketName=logs, S3KeyPrefix="first")
    with pytest.raises(ClientError) as taken:
        ct.create_trail(Name=f"t-{uid}", S3BucketName=logs, S3KeyPrefix="second")
    assert taken.value.response["Error"]["Code"] == "TrailAlreadyExistsException"
    assert ct.get_trail(Name=f"t-{uid}")["Trail"]["S3KeyPrefix"] == "first"


def test_tag_writes_reach_eventbridge_as_cloudtrail_events(aws: Any, uid: str, emulator_env: dict[str, str],
                                                          moto_endpoint: str) -> None:
    from irmoto import fixtures

    received = events_to_queue(aws, f"tags-{uid}", {"source": ["aws.iam", "aws.ec2", "aws.s3"],
                                                    "detail-type": ["AWS API Call via CloudTrail"],
                                                    "detail": {"eventName": ["TagRole", "CreateTags", "PutBucketTagging"]}})
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                                     "Action": "sts:AssumeRole"}]}
    role = aws("iam").create_role(RoleName=f"web-{uid}", Path="/aws-ir/", AssumeRolePolicyDocument=json.dumps(trust))
    aws("iam").put_role_policy(RoleName=f"web-{uid}", PolicyName="tags", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*"}]}))
    tagger = fixtures.principal(f"tagger-{uid}", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:TagRole", "Resource": role["Role"]["Arn"]}]})
    signed_as(moto_endpoint, tagger)("iam").tag_role(RoleName=f"web-{uid}", Tags=[{"Key": "team", "Value": "web"}])
    with pytest.raises(ClientError):  # refused (another role): not a successful call, not delivered
        signed_as(moto_endpoint, tagger)("iam").tag_role(RoleName="ir-harness", Tags=[{"Key": "x", "Value": "y"}])
    session = fixtures.assume(role["Role"]["Arn"], "responder")
    vpc = aws("ec2").create_vpc(CidrBlock="10.71.0.0/16")["Vpc"]["VpcId"]
    signed_as(moto_endpoint, session)("ec2").create_tags(Resources=[vpc], Tags=[{"Key": "aws-ir:quarantine", "Value": "1"}])
    aws("s3").create_bucket(Bucket=f"tagged-{uid}")
    aws("s3").put_bucket_tagging(Bucket=f"tagged-{uid}", Tagging={"TagSet": [{"Key": "owner", "Value": "sec"}]})

    events = {e["detail"]["eventName"]: e for e in received()}
    assert sorted(events) == ["CreateTags", "PutBucketTagging", "TagRole"]
    tag_role = events["TagRole"]
    assert (tag_role["source"], tag_role["detail-type"], tag_role["region"]) == ("aws.iam", "AWS API Call via CloudTrail", "us-east-1")
    detail = tag_role["detail"]
    assert detail["userIdentity"] == {"type": "IAMUser", "principalId": detail["userIdentity"]["principalId"],
                                      "arn": tagger["Arn"], "accountId": ACCOUNT,
                                      "accessKeyId": tagger["AccessKeyId"], "userName": f"tagger-{uid}"}
    assert detail["requestParameters"] == {"roleName": f"web-{uid}", "tags": [{"key": "team", "value": "web"}]}
    assert {k: detail[k] for k in ("eventSource", "eventType", "managementEvent", "readOnly", "recipientAccountId",
                                   "responseElements")} == {
        "eventSource": "iam.amazonaws.com", "eventType": "AwsApiCall", "managementEvent": True, "readOnly": False,
        "recipientAccountId": ACCOUNT, "responseElements": None}
    assert "Boto3" in detail["userAgent"] and detail["eventID"] and detail["eventTime"].endswith("Z")

    create_tags = events["CreateTags"]["detail"]
    assert create_tags["requestParameters"] == {"resourcesSet": {"items": [{"resourceId": vpc}]},
                                                "tagSet": {"items": [{"key": "aws-ir:quarantine", "value": "1"}]}}
    identity = create_tags["userIdentity"]
    assert identity["type"] == "AssumedRole" and identity["accessKeyId"] == session["AccessKeyId"]
    assert identity["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/web-{uid}/responder"
    assert identity["principalId"] == f"{role['Role']['RoleId']}:responder"
    assert identity["sessionContext"]["sessionIssuer"] == {
        "type": "Role", "principalId": role["Role"]["RoleId"], "arn": role["Role"]["Arn"], "accountId": ACCOUNT,
        "userName": f"web-{uid}"}
    assert events["CreateTags"]["region"] == REGION

    bucket_tags = events["PutBucketTagging"]["detail"]
    assert bucket_tags["requestParameters"]["bucketName"] == f"tagged-{uid}"
    assert bucket_tags["requestParameters"]["Tagging"]["TagSet"] == {"Tag": [{"Key": "owner", "Value": "sec"}]}
    assert bucket_tags["userIdentity"] == {"type": "Root", "principalId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:root",
                                           "accountId": ACCOUNT, "accessKeyId": "testing"}
