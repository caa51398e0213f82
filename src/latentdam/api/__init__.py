"""latentdam's HTTP API (`latentdam serve`)."""

from latentdam.api.app import ServerConfig, create_app

__all__ = ["ServerConfig", "create_app"]
