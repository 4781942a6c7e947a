"""KMS Sign and Verify with ``MessageType: DIGEST``, as AWS documents them.

AWS doc: AWS KMS API Reference, "Sign" and "Verify": with ``MessageType`` ``DIGEST`` the message
is already the hash (32 bytes for ``ECDSA_SHA_256`` / ``RSASSA_*_SHA_256``, 48 for SHA-384, 64
for SHA-512) and KMS signs it as it is; any other length is a ValidationException. A signature
made so verifies, outside AWS, as the algorithm's signature over the original message.

moto 5.2.5 (moto/kms/responses.py ``sign``/``verify``, moto/kms/utils.py ``ECDSAPrivateKey``,
``RSAPrivateKey``) reads ``MessageType`` and ignores it: it hashes the digest once more, so its
signatures verify only with moto itself and never offline (``irctl verify`` checks them with the
public key, as a third party would). ``patch_kms_sign_digest``: a DIGEST message is signed and
verified as prehashed (cryptography's ``utils.Prehashed``), after the length check. And a
signature that does not verify fails the call with ``KMSInvalidSignatureException`` (API
Reference, "Verify"), where moto answered ``SignatureValid: false``.
"""

from __future__ import annotations

import threading
from typing import Any

_DIGEST = threading.local()
_LENGTHS = {"256": 32, "384": 48, "512": 64}


def _digest_length(signing_algorithm: str) -> int:
    return _LENGTHS.get(signing_algorithm.rsplit("_", 1)[-1], 32)


def patch_kms_sign_digest() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec, utils
    from moto.kms import utils as kms_utils
    from moto.kms.exceptions import ValidationException
    from moto.kms.responses import KmsResponse

    def prehashed(hash_algorithm: Any) -> Any:
        return utils.Prehashed(hash_algorithm) if getattr(_DIGEST, "on", False) else hash_algorithm

    def around(original: Any) -> Any:
        def call(self: Any) -> Any:
            message_type = self._get_param("MessageType") or "RAW"
            if message_type == "DIGEST":
                import base64

                message = self._get_param("Message") or ""
                raw = base64.b64decode(message) if isinstance(message, str) else message
                algorithm = self._get_param("SigningAlgorithm") or ""
                if len(raw) != _digest_length(algorithm):
                    raise ValidationException(
                        f"Digest is invalid length for algorithm {algorithm}.")
            _DIGEST.on = message_type == "DIGEST"
            try:
                answer = original(self)
            finally:
                _DIGEST.on = False
            if original is verify and '"SignatureValid": false' in answer:
                raise InvalidSignature()
            return answer
        return call

    from moto.core.exceptions import JsonRESTError

    class InvalidSignature(JsonRESTError):
        code = 400

        def __init__(self) -> None:
            super().__init__("KMSInvalidSignatureException", "")
            self.description = '{"__type":"KMSInvalidSignatureException"}'

    verify = KmsResponse.verify
    KmsResponse.sign = around(KmsResponse.sign)  # type: ignore[method-assign]
    KmsResponse.verify = around(verify)  # type: ignore[method-assign]

    ecdsa = kms_utils.ECDSAPrivateKey
    hash_of = ecdsa._ECDSAPrivateKey__hash_algorithm  # type: ignore[attr-defined]

    def ec_sign(self: Any, message: bytes, signing_algorithm: str) -> bytes:
        kms_utils.validate_signing_algorithm(signing_algorithm, self.valid_signing_algorithms)
        return self.private_key.sign(message, ec.ECDSA(prehashed(hash_of(self, signing_algorithm))))

    def ec_verify(self: Any, message: bytes, signature: bytes, signing_algorithm: str) -> bool:
        from cryptography.exceptions import InvalidSignature

        kms_utils.validate_signing_algorithm(signing_algorithm, self.valid_signing_algorithms)
        try:
            self.private_key.public_key().verify(
                signature, message, ec.ECDSA(prehashed(hash_of(self, signing_algorithm))))
            return True
        except InvalidSignature:
            return False

    ecdsa.sign = ec_sign  # type: ignore[method-assign]
    ecdsa.verify = ec_verify  # type: ignore[method-assign]


KMS_DIGEST_EXTENSIONS = [patch_kms_sign_digest]
