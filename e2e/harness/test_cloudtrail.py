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


def test_creations_with_tags_reach_eventbridge_naming_what_was_created(aws: Any, uid: str) -> None:
    names = ["RunInstances", "CreateSecurityGroup", "CreateVolume", "CreateNetworkInterface", "CreateRole", "CreateUser"]
    received = events_to_queue(aws, f"created-{uid}", {"detail-type": ["AWS API Call via CloudTrail"],
                                                       "detail": {"eventName": names}})
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.72.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.72.1.0/24")["Subnet"]["SubnetId"]
    tagged = [{"Key": "aws-ir:exempt", "Value": "1"}]
    ec2.create_security_group(GroupName=f"plain-{uid}", Description="untagged", VpcId=vpc)  # not delivered
    group = ec2.create_security_group(GroupName=f"sg-{uid}", Description="x", VpcId=vpc, TagSpecifications=[
        {"ResourceType": "security-group", "Tags": tagged}])["GroupId"]
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=1, TagSpecifications=[
        {"ResourceType": "volume", "Tags": tagged}])["VolumeId"]
    eni = ec2.create_network_interface(SubnetId=subnet, TagSpecifications=[
        {"ResourceType": "network-interface", "Tags": tagged}])["NetworkInterface"]["NetworkInterfaceId"]
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet, TagSpecifications=[
        {"ResourceType": "instance", "Tags": tagged}])["Instances"][0]["InstanceId"]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                                     "Action": "sts:AssumeRole"}]}
    aws("iam").create_role(RoleName=f"planted-{uid}", AssumeRolePolicyDocument=json.dumps(trust),
                           Tags=[{"Key": "aws-ir:playbook", "Value": "x"}])
    aws("iam").create_user(UserName=f"planted-{uid}", Tags=[{"Key": "aws-ir:exclude", "Value": "1"}])

    events = {e["detail"]["eventName"]: e["detail"] for e in received()}
    assert sorted(events) == sorted(names)
    spec = {"items": [{"resourceType": "security-group", "tags": [{"key": "aws-ir:exempt", "value": "1"}]}]}
    assert events["CreateSecurityGroup"]["requestParameters"] == {"tagSpecificationSet": spec}
    assert events["CreateSecurityGroup"]["responseElements"]["groupId"] == group
    assert events["CreateVolume"]["responseElements"]["volumeId"] == volume
    assert events["CreateNetworkInterface"]["responseElements"]["networkInterface"] == {"networkInterfaceId": eni}
    assert events["RunInstances"]["responseElements"]["instancesSet"] == {"items": [{"instanceId": instance}]}
    assert events["RunInstances"]["requestParameters"]["tagSpecificationSet"]["items"][0]["resourceType"] == "instance"
    assert events["CreateRole"]["requestParameters"]["roleName"] == f"planted-{uid}"
    assert events["CreateRole"]["requestParameters"]["tags"] == [{"key": "aws-ir:playbook", "value": "x"}]
    assert events["CreateUser"]["requestParameters"]["tags"] == [{"key": "aws-ir:exclude", "value": "1"}]
