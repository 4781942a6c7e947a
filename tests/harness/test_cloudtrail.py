"""irmoto.cloudtrail through boto3 against a real server: SnsTopicName as an ARN, DeleteTrail by
ARN taking the tags with it, CreateTrail refusing a name in use. Run with
IRMOTO_TEST_WITHOUT_EXTENSIONS=1 to see them fail."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


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
