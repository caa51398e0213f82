"""Content Credentials (C2PA), read with c2pa-python: who signed, what the manifest says a
model did, and whether the signature, the hashes and the signer hold. The files are signed
with c2pa-python's Builder and a test certificate chain (latentdam.testing.credentials)."""

from __future__ import annotations

import io
import socket
import threading
from pathlib import Path

import c2pa
import pytest
from PIL import Image

from latentdam import Library, Settings
from latentdam.embed import TextEmbedder
from latentdam.extract.provenance import read_provenance
from latentdam.extract.record import Tool
from latentdam.store.schema import PROVENANCE_FIELDS, SCHEMA_VERSION, STAGE_FIELDS
from latentdam.testing.credentials import (
    dalle_manifest,
    firefly_manifest,
    photo_edit_manifest,
    sign,
    signing_credentials,
    tamper,
)
from latentdam.testing.formats import a1111_parameters, make_image, write_png


def _encoded(fmt: str, seed: int = 1) -> bytes:
    buffer = io.BytesIO()
    make_image(seed, (64, 64)).save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def signed(tmp_path: Path) -> Path:
    """A folder: Firefly (JPEG), DALL·E (PNG), an edited photo (WebP), a tampered Firefly
    file, and an A1111 PNG with no credentials."""
    folder = tmp_path / "signed"
    folder.mkdir()
    firefly = sign(_encoded("JPEG", 1), "image/jpeg", firefly_manifest())
    (folder / "firefly.jpg").write_bytes(firefly)
    (folder / "dalle.png").write_bytes(sign(_encoded("PNG", 2), "image/png", dalle_manifest()))
    (folder / "photo.webp").write_bytes(sign(_encoded("WEBP", 3), "image/webp", photo_edit_manifest()))
    (folder / "firefly-edited.jpg").write_bytes(
        tamper(sign(_encoded("JPEG", 4), "image/jpeg", firefly_manifest()))
    )
    write_png(folder / "a1111.png", make_image(5), {"parameters": a1111_parameters("a red fox in the snow")})
    return folder


def _library(tmp_path: Path, text_embedder: TextEmbedder, trusted: bool) -> Library:
    anchors = None
    if trusted:
        anchors = tmp_path / "anchors.pem"
        anchors.write_text(signing_credentials().root_pem)
    settings = Settings(library=tmp_path / "library", batch_size=4, c2pa_trust_anchors=anchors)
    return Library.create(settings=settings, embedders=[text_embedder])


def _by_name(lib: Library, folder: Path) -> dict[str, object]:
    return {name: lib.get(str(folder / name)) for name in [p.name for p in folder.iterdir()]}


def test_ingest_reads_the_credentials_and_their_state(
    tmp_path: Path, signed: Path, text_embedder: TextEmbedder
) -> None:
    lib = _library(tmp_path, text_embedder, trusted=True)
    assert not lib.ingest([signed]).failed
    assets = _by_name(lib, signed)
    firefly = assets["firefly.jpg"].record  # type: ignore[attr-defined]
    assert firefly.tool is Tool.FIREFLY and firefly.software == "Adobe Firefly"
    credentials = firefly.provenance
    assert credentials.state == "valid" and credentials.ai_made
    assert credentials.digital_source_type == "trainedAlgorithmicMedia"
    assert credentials.actions == ["created"] and credentials.claim_generator == "Adobe Firefly 3.0.1"
    assert credentials.signer == "latentdam tests"
    dalle = assets["dalle.png"].record  # type: ignore[attr-defined]
    assert dalle.tool is Tool.DALLE and dalle.provenance.actions == ["created", "converted"]
    photo = assets["photo.webp"].record  # type: ignore[attr-defined]
    assert photo.tool is Tool.UNKNOWN and not photo.provenance.ai_made and photo.provenance.state == "valid"
    edited = assets["firefly-edited.jpg"].record  # type: ignore[attr-defined]
    assert (
        edited.provenance.state == "tampered" and "assertion.dataHash.mismatch" in edited.provenance.problems
    )
    assert assets["a1111.png"].record.provenance is None  # type: ignore[attr-defined]
    assert lib.get(str(signed / "firefly.jpg")).record.provenance == credentials  # stored and read back


def test_filters_on_the_credentials(tmp_path: Path, signed: Path, text_embedder: TextEmbedder) -> None:
    lib = _library(tmp_path, text_embedder, trusted=True)
    lib.ingest([signed])

    def names(**filters: object) -> set[str]:
        result = lib.search(filters=filters, limit=50)
        return {Path(h.asset.path).name for h in result.results}

    assert names(ai_made=True) == {"firefly.jpg", "dalle.png", "firefly-edited.jpg"}
    assert names(ai_made=False) == {"photo.webp"}
    assert names(provenance="tampered") == {"firefly-edited.jpg"}
    assert names(provenance="valid") == {"firefly.jpg", "dalle.png", "photo.webp"}
    assert names(provenance="none") == {"a1111.png"}
    assert names(tool="firefly") == {"firefly.jpg", "firefly-edited.jpg"}
    explained = lib.search("Adobe Firefly", filters={"provenance": "valid"}, explain=True, include_all=True)
    top = explained.results[0]
    assert Path(top.asset.path).name == "firefly.jpg"  # the credentials' words are searchable
    assert any(f.filter == "Content Credentials valid" and f.holds for f in top.explanation.filters)


def test_without_trust_anchors_a_good_signature_is_untrusted(
    tmp_path: Path, signed: Path, text_embedder: TextEmbedder
) -> None:
    lib = _library(tmp_path, text_embedder, trusted=False)
    lib.ingest([signed])
    firefly = lib.get(str(signed / "firefly.jpg")).record.provenance
    assert firefly is not None and firefly.state == "untrusted" and not firefly.problems
    assert lib.get(str(signed / "firefly-edited.jpg")).record.provenance.state == "tampered"  # type: ignore[union-attr]


def test_a_remote_manifest_is_never_fetched() -> None:
    """A file that only links to its credentials: the link is reported, nothing is fetched
    (c2pa-python's default reader would connect to it)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(3)
    connections: list[object] = []

    def accept() -> None:
        try:
            while True:
                connections.append(listener.accept())
        except OSError:
            pass

    threading.Thread(target=accept, daemon=True).start()
    credentials = signing_credentials()
    info = c2pa.C2paSignerInfo(
        alg=b"es256", sign_cert=credentials.chain_pem, private_key=credentials.key_pem, ta_url=None
    )
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/manifest.c2pa"
    linked = io.BytesIO()
    with c2pa.Signer.from_info(info) as signer, c2pa.Builder(firefly_manifest()) as builder:
        builder.set_no_embed()
        builder.set_remote_url(url)
        builder.sign(signer, "image/jpeg", io.BytesIO(_encoded("JPEG")), linked)
    found = read_provenance(linked.getvalue(), "JPEG")
    assert found is not None and found.state == "remote" and url in found.problems[0]
    listener.close()
    assert connections == []


@pytest.mark.parametrize(
    "payload",
    [
        b"c2pa" * 100,  # the marker and nothing else
        b"jumb\x00\x00\x00\x10c2pa" + bytes(range(256)) * 8,  # a JUMBF-looking box of noise
    ],
)
def test_hostile_credentials_never_cost_the_file(tmp_path: Path, payload: bytes) -> None:
    """A credentials box that is noise: no credentials, or `invalid`; never an exception."""
    image = Image.open(io.BytesIO(_encoded("PNG")))
    target = tmp_path / "hostile.png"
    write_png(target, image, {"c2pa": payload.decode("latin-1")})
    found = read_provenance(target.read_bytes(), "PNG")
    assert found is None or found.state == "invalid"
    jpeg = bytearray(_encoded("JPEG"))
    segment = b"\xff\xeb" + (len(payload) + 2).to_bytes(2, "big") + payload  # an APP11 (JUMBF) segment
    damaged = bytes(jpeg[:2]) + segment + bytes(jpeg[2:])
    found = read_provenance(damaged, "JPEG")
    assert found is None or found.state == "invalid"


def test_a_library_from_before_credentials_gains_their_columns(
    tmp_path: Path, signed: Path, text_embedder: TextEmbedder
) -> None:
    lib = _library(tmp_path, text_embedder, trusted=False)
    lib.ingest([signed / "a1111.png"])
    # as schema 1 wrote it
    lib.store.assets.drop_columns([f.name for f in (*PROVENANCE_FIELDS, *STAGE_FIELDS)])
    lib.store.set_meta("schema_version", 1)
    reopened = Library.open(settings=lib.settings)
    assert reopened.store.get_meta("schema_version") == SCHEMA_VERSION
    assert {f.name for f in PROVENANCE_FIELDS} <= set(reopened.store.assets.schema.names)
    reopened.ingest([signed])
    assert {Path(h.asset.path).name for h in reopened.search(filters={"ai_made": True}, limit=9).results} == {
        "firefly.jpg",
        "dalle.png",
        "firefly-edited.jpg",
    }
    assert (
        reopened.search(filters={"provenance": "none"}).results[0].asset.record.prompt
        == "a red fox in the snow"
    )


def test_the_cli_offers_every_state_the_reader_gives() -> None:
    from typing import get_args

    from latentdam.cli import Provenance as Choice
    from latentdam.extract.provenance import ProvenanceState

    assert {c.value for c in Choice} == {*get_args(ProvenanceState), "none"}
