"""API keys: stored hashed with scopes; a server beyond loopback needs them on every call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from latentdam import Library
from latentdam.api import ServerConfig, create_app
from latentdam.api.config import is_loopback
from latentdam.api.keys import Scope, create_key, list_keys, revoke_key


@pytest.fixture
def guarded(library: Library) -> Iterator[TestClient]:
    with TestClient(create_app(library.settings, ServerConfig(require_keys=True), library=library)) as client:
        yield client


def test_keys_are_stored_hashed_and_revocable(library: Library) -> None:
    key, token = create_key(library.store, "studio", [Scope.SEARCH])
    assert token.startswith("ldk_") and key.id in token
    stored = str(library.store.get_meta("api_keys"))
    assert token not in stored and key.sha256 in stored  # only the hash is kept
    assert "sha256" not in key.model_dump()  # and it is never shown
    revoke_key(library.store, key.id)
    (listed,) = list_keys(library.store)
    assert listed.revoked_at is not None and not listed.allows(Scope.SEARCH)
    # ids are hex, so `latentdam keys revoke ID` never reads one as an option ("-Mx...")
    ids = [create_key(library.store, f"k{i}", [Scope.SEARCH])[0].id for i in range(20)]
    assert all(len(i) == 8 and set(i) <= set("0123456789abcdef") for i in ids)


def test_every_call_needs_a_valid_key_with_the_scope(guarded: TestClient, library: Library) -> None:
    _, reader = create_key(library.store, "reader", [Scope.SEARCH])
    _, writer = create_key(library.store, "ingest bot", [Scope.WRITE])
    _, admin = create_key(library.store, "ops", [Scope.ADMIN])
    gone, revoked = create_key(library.store, "ex-contractor", [Scope.SEARCH])
    revoke_key(library.store, gone.id)

    missing = guarded.get("/v1/stats")
    assert missing.status_code == 401 and missing.json()["error"] == "unauthorized"
    assert guarded.get("/v1/stats", headers={"Authorization": "Bearer ldk_wrong"}).status_code == 401
    assert guarded.get("/v1/stats", headers={"Authorization": f"Bearer {revoked}"}).status_code == 401
    assert guarded.get("/v1/stats", headers={"Authorization": f"Bearer {reader}"}).status_code == 200
    assert guarded.get("/v1/stats", headers={"X-API-Key": admin}).status_code == 200  # admin: every scope
    scoped = guarded.post("/v1/search", json={"text": "fox"}, headers={"Authorization": f"Bearer {writer}"})
    assert scoped.status_code == 403 and "lacks the search scope" in scoped.json()["detail"]
    assert guarded.get("/v1/health").status_code == 200  # liveness needs no key


def test_loopback_is_told_apart_from_the_network() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4") and not is_loopback("studio.local")
    assert ServerConfig(host="127.0.0.1").keys_required is False
    assert ServerConfig(host="0.0.0.0").keys_required is True
