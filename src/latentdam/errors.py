"""latentdam's exceptions. Library code raises these; only the CLI and API turn them into
messages and exit codes / HTTP statuses.

    LatentdamError
    ├── InvalidSetting               a setting (flag or LATENTDAM_* variable) out of range
    ├── MissingExtra                 a feature whose optional dependencies are not installed
    ├── GlossaryError                the glossary data is malformed
    ├── ExtractError                 a file could not be read (the ingest skips it and reports why)
    │   ├── UnsupportedFormat        not an image, or a format latentdam does not read
    │   ├── ImageTooLarge            over the pixel limit (decompression-bomb guard)
    │   └── CorruptMetadata          the generator's marker is there, its content is broken
    ├── EmbedError
    │   └── ModelUnavailable         model files missing / cannot load (names what to install)
    ├── StoreError
    │   ├── SchemaTooNew             library written by a newer latentdam
    │   ├── LibraryNotFound          no library at that location (read-only commands never create one)
    │   ├── LibraryExists            `Library.create` where a library already is
    │   └── LibraryBusy              another writer holds the library (names it)
    └── QueryError (ValueError)
        ├── InvalidQuery             a query that cannot run (names the field and the fix)
        ├── UnknownSpace (KeyError)
        ├── InvalidFilter
        ├── AssetNotFound (KeyError)
        └── AmbiguousRef                 an id prefix that is too short or fits several assets
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any


class LatentdamError(Exception):
    """Base of every error latentdam raises on purpose."""


class InvalidSetting(LatentdamError, ValueError):
    pass


class MissingExtra(LatentdamError, ImportError):
    """A feature needs packages of an extra that is not installed (the core package is a
    client of a running server; `latentdam[cli]`, `[text]`, `[clip]`, `[server]` add the rest)."""

    def __init__(self, extra: str, purpose: str, package: str | None) -> None:
        missing = f" ({package!r} is not installed)" if package else ""
        super().__init__(
            f"{purpose} needs latentdam's {extra!r} extra{missing}: pip install 'latentdam[{extra}]'"
        )
        self.extra = extra


class GlossaryError(LatentdamError, ValueError):
    """The glossary data is malformed (unknown kind, empty meaning, a spelling used twice)."""


class ExtractError(LatentdamError):
    def __init__(self, message: str, path: Path | str | None = None) -> None:
        super().__init__(message)
        self.path = path


class UnsupportedFormat(ExtractError):
    pass


class ImageTooLarge(ExtractError):
    # what raises the limit where files are ingested (a query image has no flag for it)
    INGEST_HINT = "raise it with --max-megapixels"
    QUERY_HINT = "search with a smaller copy, or raise the limit: LATENTDAM_MAX_MEGAPIXELS=N"

    def __init__(
        self, pixels: int, limit: int, path: Path | str | None = None, hint: str = INGEST_HINT
    ) -> None:
        super().__init__(
            f"image is {pixels / 1e6:.0f} megapixels, over the {limit / 1e6:.0f} MP limit"
            f" (a decompression-bomb guard); {hint}",
            path,
        )
        self.pixels = pixels
        self.limit = limit


class CorruptMetadata(ExtractError):
    pass


class EmbedError(LatentdamError):
    pass


class ModelUnavailable(EmbedError):
    def __init__(self, message: str, model: str | None = None) -> None:
        super().__init__(message)
        self.model = model


class NotJointModel(ModelUnavailable):
    """A model that exists but is not a CLIP/SigLIP joint model (it may be a text model)."""


class StoreError(LatentdamError):
    pass


class SchemaTooNew(StoreError):
    pass


class LibraryNotFound(StoreError):
    def __init__(self, uri: str) -> None:
        super().__init__(f"no latentdam library at {uri} (create one with `latentdam ingest DIR`)")
        self.uri = uri


class LibraryBusy(StoreError):
    def __init__(self, holder: Any, location: str) -> None:
        super().__init__(f"library busy: {holder.describe()}; wait or stop it (library {location})")
        self.holder = holder  # store.lock.LockHolder
        self.location = location


class LibraryExists(StoreError):
    def __init__(self, uri: str) -> None:
        super().__init__(f"a latentdam library already exists at {uri}; open it instead")
        self.uri = uri


class QueryError(LatentdamError, ValueError):
    pass


class PathNotAllowed(LatentdamError, PermissionError):
    """A server was asked to read a folder outside the roots it was started with."""


class JobNotFound(LatentdamError, KeyError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job {job_id!r} in this library; GET /v1/jobs lists them")
        self.job_id = job_id

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class UnknownSpace(QueryError, KeyError):
    def __init__(self, space: str, known: list[str]) -> None:
        super().__init__(f"unknown space {space!r}; known: {', '.join(sorted(known))}")
        self.space = space

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class InvalidQuery(QueryError):
    pass


class InvalidFilter(QueryError):
    pass


class AssetNotFound(QueryError, KeyError):
    def __init__(self, ref: str) -> None:
        super().__init__(
            f"no asset {ref!r} in this library (give an asset id, an id prefix of"
            f" {MIN_ID_PREFIX}+ characters, or a path)"
        )
        self.ref = ref

    def __str__(self) -> str:
        return str(self.args[0])


MIN_ID_PREFIX = 6  # characters of an id prefix: short ones would fit many assets of a big library


def shared_prefix(a: str, b: str) -> int:
    """How many leading characters two strings share."""
    return sum(1 for _ in itertools.takewhile(lambda pair: pair[0] == pair[1], zip(a, b, strict=False)))


def _distinct_prefix(ids: list[str]) -> int:
    """How many leading characters tell these ids apart."""
    return 1 + max((shared_prefix(a, b) for a, b in itertools.pairwise(sorted(ids))), default=-1)


class AmbiguousRef(QueryError):
    """An id prefix that does not pick one asset: too short to accept, or shared by several
    (`candidates`: (id, path) of some of those it fits, `more`: whether there are others)."""

    def __init__(self, ref: str, candidates: list[tuple[str, str]], *, more: bool, too_short: bool) -> None:
        needed = max(MIN_ID_PREFIX, _distinct_prefix([asset_id for asset_id, _ in candidates]))
        listed = "; ".join(f"{asset_id[: needed + 2]}… {path}" for asset_id, path in candidates)
        if more:
            listed += "; and more"
        if too_short:
            message = f"id prefix {ref!r} is too short: give at least {MIN_ID_PREFIX} characters" + (
                f" (it fits {listed})" if candidates else ""
            )
        else:
            message = (
                f"id prefix {ref!r} fits {'several' if more else len(candidates)} assets: {listed};"
                f" give at least {needed} characters"
            )
        super().__init__(message)
        self.ref = ref
        self.candidates = candidates
