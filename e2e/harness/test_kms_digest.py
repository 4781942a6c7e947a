"""KMS Sign/Verify with MessageType DIGEST (irmoto/kms_digest.py): the digest is signed as it
is, so the signature verifies offline over the original message, as on AWS."""

from __future__ import annotations

import hashlib
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from conftest import REGION


@pytest.fixture(scope="module")
def kms(moto_endpoint: str) -> Any:
    return boto3.client("kms", endpoint_url=moto_endpoint, region_name=REGION, aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=Config(retries={"max_attempts": 1}))


def test_a_digest_is_signed_as_it_is_and_verifies_offline(kms: Any) -> None:
    key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    message = b"the manifest's bytes"
    digest = hashlib.sha256(message).digest()
    signature = kms.sign(KeyId=key, Message=digest, MessageType="DIGEST",
                         SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=key)["PublicKey"])
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(signature, message, ec.ECDSA(hashes.SHA256()))  # raises if it does not hold
    assert kms.verify(KeyId=key, Message=digest, MessageType="DIGEST", Signature=signature,
                      SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"]
    other = hashlib.sha256(b"an edited manifest").digest()
    with pytest.raises(ClientError) as e:
        kms.verify(KeyId=key, Message=other, MessageType="DIGEST", Signature=signature,
                   SigningAlgorithm="ECDSA_SHA_256")
    assert e.value.response["Error"]["Code"] == "KMSInvalidSignatureException"
    # RAW still hashes the message first.
    raw = kms.sign(KeyId=key, Message=message, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    public.verify(raw, message, ec.ECDSA(hashes.SHA256()))


def test_a_digest_of_the_wrong_length_is_refused(kms: Any) -> None:
    key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as e:
        kms.sign(KeyId=key, Message=b"short", MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256")
    assert e.value.response["Error"]["Code"] == "ValidationException"
