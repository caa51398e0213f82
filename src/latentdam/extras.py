"""Optional dependencies: which extra provides what, and a plain error when one is missing.

core        a client of a running server (`latentdam search --server`, latentdam.api.client)
[cli]       a library on this machine: the store, the readers, the fits (and [text])
[text]      the default text model and any sentence-transformers model
[clip]      CLIP / SigLIP joint image-text spaces
[server]    `latentdam serve` (and [cli])
[distributed]  ingest on a Ray cluster (`--engine ray`: Ray Data; and [cli])
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from latentdam.errors import MissingExtra


@contextmanager
def needs(extra: str, purpose: str) -> Iterator[None]:
    """Imports inside the block that fail for a missing third-party package raise MissingExtra
    naming the extra that installs it (an import error inside latentdam itself stays a bug)."""
    try:
        yield
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] == "latentdam":
            raise
        raise MissingExtra(extra, purpose, exc.name.split(".")[0]) from exc
