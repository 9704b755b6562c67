"""SNS message signing: one signing certificate per region, as AWS has.

AWS signs every notification of a region with the same certificate (rotated rarely), named in
``SigningCertURL``: https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html.
moto makes a certificate per message and signs with a key per subscription; here each region gets
one key and one self-signed certificate, registered in moto's SNS state so that moto serves it at
``/SimpleNotificationService-<id>.pem`` on the stack's endpoint.

Known gaps: the certificate is self-signed (not Amazon's chain) and lives as long as the stack;
``sns.<region>.amazonaws.com`` itself is unreachable offline.
"""

from __future__ import annotations

import base64
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from sandbox.localcloud import moto_seam as seam


@dataclass(frozen=True)
class Signer:
    """One region's signing key and the name of its certificate."""

    region: str
    key: rsa.RSAPrivateKey
    name: str  # SimpleNotificationService-<hex>.pem
    pem: bytes

    @property
    def url(self) -> str:
        return f"https://sns.{self.region}.amazonaws.com/{self.name}"

    def sign(self, text: str, version: str) -> str:
        algorithm = hashes.SHA256() if version == "2" else hashes.SHA1()
        return base64.b64encode(self.key.sign(text.encode("utf-8"), padding.PKCS1v15(), algorithm)).decode("ascii")

    def publish_certificate(self) -> None:
        """(Re-)register the certificate where moto serves it (moto's reset forgets it)."""
        seam.backend("sns", seam.DEFAULT_ACCOUNT_ID, self.region)._message_public_keys[self.name] = self.pem


_signers: dict[str, Signer] = {}
_lock = threading.Lock()


def signer(region: str) -> Signer:
    """The region's signer, made on first use."""
    with _lock:
        found = _signers.get(region)
        if found is None:
            found = _signers[region] = _new_signer(region)
    found.publish_certificate()
    return found


def _new_signer(region: str) -> Signer:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"sns.{region}.amazonaws.com")])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365)).sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    return Signer(region, key, f"SimpleNotificationService-{uuid.uuid4().hex}.pem", pem)
