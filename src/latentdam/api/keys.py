"""API keys: who may call a shared library's HTTP API, and for what.

A key is shown once, when created (`latentdam keys create NAME --scope search`); the library
keeps only its SHA-256 (keys are 256-bit random tokens, so a fast hash is enough) with its
name, scopes and dates, in the manifest. Scopes: `search` (read: search, assets, stats),
`write` (ingest, uploads, reembed, refresh jobs) and `admin` (everything). Revoking keeps
the record, marked, so `keys list` still says who had access.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from latentdam.errors import InvalidQuery
from latentdam.store.store import LibraryStore

KEYS_KEY = "api_keys"
PREFIX = "ldk_"


class Scope(StrEnum):
    SEARCH = "search"
    WRITE = "write"
    ADMIN = "admin"


class ApiKey(BaseModel):
    id: str = Field(description="the key's public id: its first characters, safe to show")
    name: str
    scopes: list[Scope]
    # the secret's hash: kept in the library, never shown (so a key read back from JSON
    # output has none, and matches no secret)
    sha256: str = Field(default="", exclude=True)
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: Scope) -> bool:
        return self.active and (scope in self.scopes or Scope.ADMIN in self.scopes)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def list_keys(store: LibraryStore) -> list[ApiKey]:
    return [ApiKey.model_validate(k) for k in store.get_meta(KEYS_KEY) or []]


def _save(store: LibraryStore, keys: list[ApiKey]) -> None:
    store.set_meta(KEYS_KEY, [k.model_dump(mode="json") | {"sha256": k.sha256} for k in keys])


def create_key(store: LibraryStore, name: str, scopes: list[Scope]) -> tuple[ApiKey, str]:
    """A new key and its token (shown once; only its hash is kept)."""
    if not name.strip():
        raise InvalidQuery("a key needs a name (who or what uses it)")
    if not scopes:
        raise InvalidQuery("a key needs at least one scope: search, write or admin")
    # the public id is hex: a url-safe one could start with "-" and read as an option
    # (`latentdam keys revoke -Mx...`)
    key_id = secrets.token_hex(4)
    token = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        id=key_id,
        name=name.strip(),
        scopes=sorted(set(scopes)),
        sha256=_digest(token),
        created_at=datetime.now(UTC),
    )
    _save(store, [*list_keys(store), key])
    return key, token


def revoke_key(store: LibraryStore, key_id: str) -> ApiKey:
    keys = list_keys(store)
    for i, key in enumerate(keys):
        if key.id == key_id:
            if key.active:
                keys[i] = key.model_copy(update={"revoked_at": datetime.now(UTC)})
                _save(store, keys)
            return keys[i]
    raise InvalidQuery(f"no API key {key_id!r}; `latentdam keys list` shows them")


def authenticate(keys: list[ApiKey], token: str) -> ApiKey | None:
    """The active key a token belongs to, if any (compared in constant time)."""
    digest = _digest(token)
    for key in keys:
        if key.active and hmac.compare_digest(key.sha256, digest):
            return key
    return None
