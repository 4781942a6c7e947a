"""S3 Control through moto's server used as an HTTP proxy, as the e2e stacks reach it.

AWS doc: Amazon S3 API Reference, "PutPublicAccessBlock" (S3 Control): the request goes to
``{AccountId}.s3-control.{Region}.amazonaws.com``; with a custom endpoint the SDKs still put the
account id in front of the host name, which nothing resolves on these machines. moto's server
(werkzeug) accepts a proxy's absolute-form request line and routes ``/v20180820/`` to S3 Control
whatever the host, so a client that honours HTTP_PROXY reaches it by any name. No extension is
involved: this pins the behaviour e2e/harness/up.sh relies on."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from conftest import REGION


def test_account_public_access_block_through_the_proxy(moto_endpoint: str) -> None:
    port = moto_endpoint.rsplit(":", 1)[1]
    client = boto3.client(
        "s3control", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing",
        endpoint_url=f"http://s3-control.emulator.invalid:{port}",
        config=Config(proxies={"http": moto_endpoint}))
    account = "123456789012"
    config: dict[str, Any] = {"BlockPublicAcls": True, "IgnorePublicAcls": False,
                              "BlockPublicPolicy": True, "RestrictPublicBuckets": False}
    client.put_public_access_block(AccountId=account, PublicAccessBlockConfiguration=config)
    got = client.get_public_access_block(AccountId=account)["PublicAccessBlockConfiguration"]
    assert got == config
    client.delete_public_access_block(AccountId=account)
