"""Content Credentials (C2PA) test files, signed the way the generators sign theirs: with
c2pa-python's Builder (the Content Authenticity Initiative's SDK, which Adobe's and OpenAI's
pipelines build on) and a throwaway certificate chain made here — a test root and an ES256
signing certificate under it, with the key usages C2PA requires of a signer.

The manifests follow what the tools publish about their credentials: Adobe Firefly signs a
`c2pa.created` action whose `softwareAgent` is "Adobe Firefly" and whose
`digitalSourceType` is IPTC's `trainedAlgorithmicMedia`; OpenAI's images (DALL·E 3 through
ChatGPT or the API) carry a `c2pa.created` action by "DALL-E" of the same source type, then
a `c2pa.converted` one. (Their real files are not in this repository; the product side
checks latentdam against them.)
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


@dataclass(frozen=True)
class SigningCredentials:
    root_pem: str  # the trust anchor: give it as LATENTDAM_C2PA_TRUST_ANCHORS to make files valid
    chain_pem: bytes  # signer certificate, then the root
    key_pem: bytes


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "latentdam tests"),
        ]
    )


def _usage(*, sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not sign,
        crl_sign=not sign,
        encipher_only=False,
        decipher_only=False,
    )


@lru_cache(maxsize=1)
def signing_credentials() -> SigningCredentials:
    now = datetime.datetime.now(datetime.UTC)
    valid = (now - datetime.timedelta(days=1), now + datetime.timedelta(days=3650))
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (
        x509.CertificateBuilder()
        .subject_name(_name("latentdam test root"))
        .issuer_name(_name("latentdam test root"))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid[0])
        .not_valid_after(valid[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("latentdam test signer"))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid[0])
        .not_valid_after(valid[1])
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return SigningCredentials(
        root_pem=root.public_bytes(pem).decode("ascii"),
        chain_pem=leaf.public_bytes(pem) + root.public_bytes(pem),
        key_pem=key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )


def _manifest(generator: dict[str, str], title: str, actions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "claim_generator_info": [generator],
        "title": title,
        "assertions": [{"label": "c2pa.actions", "data": {"actions": actions}}],
    }


def _created(source: str, agent: str | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {"action": "c2pa.created", "digitalSourceType": f"{IPTC}{source}"}
    if agent:
        action["softwareAgent"] = {"name": agent}
    return action


def firefly_manifest(title: str = "Firefly image.jpg") -> dict[str, Any]:
    generator = {"name": "Adobe Firefly", "version": "3.0.1"}
    return _manifest(generator, title, [_created("trainedAlgorithmicMedia", "Adobe Firefly")])


def dalle_manifest(title: str = "image.png") -> dict[str, Any]:
    actions = [_created("trainedAlgorithmicMedia", "DALL-E"), {"action": "c2pa.converted"}]
    return _manifest({"name": "ChatGPT"}, title, actions)


def photo_edit_manifest(title: str = "edited.jpg") -> dict[str, Any]:
    """A camera's photo, then colour-corrected: credentials, but nothing a model made."""
    actions = [_created("digitalCapture"), {"action": "c2pa.color_adjustments"}]
    return _manifest({"name": "Photo Editor", "version": "1.2"}, title, actions)


def sign(image: bytes, mime: str, manifest: dict[str, Any]) -> bytes:
    """`image` with the manifest embedded and signed by the test signer."""
    import c2pa

    credentials = signing_credentials()
    info = c2pa.C2paSignerInfo(
        alg=b"es256", sign_cert=credentials.chain_pem, private_key=credentials.key_pem, ta_url=None
    )
    signed = io.BytesIO()
    with c2pa.Signer.from_info(info) as signer, c2pa.Builder(manifest) as builder:
        builder.sign(signer, mime, io.BytesIO(image), signed)
    return signed.getvalue()


def tamper(signed: bytes) -> bytes:
    """The signed file with a few bytes of its picture changed after signing (an edit that
    did not re-sign): the data hash no longer matches."""
    damaged = bytearray(signed)
    for offset in (len(damaged) - 40, len(damaged) - 90):
        damaged[offset] ^= 0x55
    return bytes(damaged)
