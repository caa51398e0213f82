"""The web gallery `latentdam serve` serves at `/`: static files, no build step, talking to
the server over the public `/v1` API only (static/)."""

from pathlib import Path

STATIC = Path(__file__).parent / "static"
