"""What every route depends on: the library and job runner the server opened, the config it
was started with, and the API key a request carries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi import Path as PathParam

from latentdam.api.config import ServerConfig
from latentdam.api.errors import ApiError
from latentdam.api.keys import ApiKey, Scope, authenticate, list_keys
from latentdam.library import Library
from latentdam.store.asset import ASSET_ID


def lib_of(request: Request) -> Library:
    """The library the server opened at start-up."""
    lib: Library = request.app.state.library
    return lib


def config_of(request: Request) -> ServerConfig:
    config: ServerConfig = request.app.state.config
    return config


# Module level: with postponed annotations FastAPI resolves these names in the module.
LibraryDep = Annotated[Library, Depends(lib_of)]
ConfigDep = Annotated[ServerConfig, Depends(config_of)]
AssetId = Annotated[str, PathParam(pattern=ASSET_ID, description="an asset id or unique prefix")]


def require(scope: Scope) -> Callable[[Request], ApiKey | None]:
    """A dependency that lets a request through if its key has `scope` (or no key is needed:
    a loopback-only server without `require_keys`); the key, if any, is its value."""

    def check(request: Request) -> ApiKey | None:
        if not config_of(request).keys_required:
            return None
        token = request.headers.get("x-api-key") or ""
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        if not token:
            raise ApiError(
                401, "unauthorized", "this server needs an API key", "send Authorization: Bearer KEY"
            )
        key = authenticate(list_keys(lib_of(request).store), token)
        if key is None:
            raise ApiError(401, "unauthorized", "unknown or revoked API key", "ask for a new key")
        if not key.allows(scope):
            raise ApiError(403, "forbidden", f"key {key.id} lacks the {scope} scope", None)
        return key

    return check
