"""latentdam's HTTP API (`latentdam serve`). `create_app` loads on first use, so the CLI can
use `latentdam.api.client` without loading the server and the store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from latentdam.api.app import ServerConfig, create_app

__all__ = ["ServerConfig", "create_app"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from latentdam.api import app

        return getattr(app, name)
    raise AttributeError(f"module 'latentdam.api' has no attribute {name!r}")
