"""Models from the Hugging Face hub or a local directory, for every model-backed backend.

A hub id loads from the local HF cache first, so a cached model works on an air-gapped machine
without network retries; only an uncached one goes to the network, and only after a quick
reachability probe. A local directory is fingerprinted by content (`local_revision`), so the
space it makes changes when the weights do.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from latentdam.errors import ModelUnavailable


def unavailable(model_ref: str, error: BaseException | None, offline: bool) -> ModelUnavailable:
    """The error for a hub id that could not be had, with the two ways to fix it."""
    fix = (
        f"download it on a connected machine (hf download {model_ref} --local-dir DIR, then copy"
        " DIR here) and pass that directory, or any local directory holding the model's files"
    )
    if offline:
        message = f"model {model_ref!r} is not available offline: {fix}"
    else:
        reason = first_sentence(error) if error is not None else "unknown error"
        message = f"model {model_ref!r} could not be fetched from the hub ({reason}): {fix}"
    return ModelUnavailable(message, model=model_ref)


def folder_gone(model_ref: str, space: str) -> ModelUnavailable:
    """The error for a space whose model was a local directory that is no longer there."""
    return ModelUnavailable(
        f"the model folder {model_ref} of space {space!r} is gone (moved or deleted): put it back,"
        f" or move the library to another model with `latentdam reembed --model minilm` (the"
        f" default) or `--model NEW_PATH`",
        model=model_ref,
    )


def first_sentence(error: BaseException) -> str:
    text = " ".join(str(error).split())
    head = text.split(". ")[0].rstrip(".")
    return head or type(error).__name__


def offline() -> bool:
    """Whether the user switched the hub off (HF_HUB_OFFLINE)."""
    try:
        from huggingface_hub import constants
    except ImportError:  # pragma: no cover - transformers depends on it
        return False
    return bool(constants.HF_HUB_OFFLINE)


_PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
PROBE_TIMEOUT = 3.0  # seconds; the hub client's own retries take ~30 s to give up


def unreachable() -> str | None:
    """Why the hub cannot be reached, or None if it can (or a proxy decides). One TCP connect
    with a short timeout, so an air-gapped machine fails at once instead of after retries."""
    if any(os.environ.get(name) for name in _PROXY_VARIABLES):
        return None
    from huggingface_hub import constants

    endpoint = urlsplit(constants.ENDPOINT)
    host, port = endpoint.hostname or "", endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT):
            return None
    except OSError as exc:
        return f"cannot reach {constants.ENDPOINT}: {exc.strerror or exc}"


@contextmanager
def quiet_loading() -> Iterator[None]:
    """No progress bars from transformers or the hub while a model loads ("Loading weights"
    on stderr, in the middle of a user's own output); they come back as they were."""
    from huggingface_hub.utils import are_progress_bars_disabled, disable_progress_bars, enable_progress_bars
    from transformers.utils import logging as transformers_logging

    hub_bars = not are_progress_bars_disabled()
    transformers_bars = transformers_logging.is_progress_bar_enabled()
    disable_progress_bars()
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        if hub_bars:
            enable_progress_bars()
        if transformers_bars:
            transformers_logging.enable_progress_bar()


def from_hub(loader: Any, model_ref: str, local_files_only: bool | None, **kwargs: Any) -> Any:
    """`loader(model_ref, ...)` from the HF cache first, then — unless offline — the network.
    A cached model then loads without touching the network (no retries on an air-gapped
    machine), and keeps giving the files its vectors were made with."""
    if local_files_only is None and not offline():
        try:
            return loader(model_ref, local_files_only=True, **kwargs)
        except OSError:
            pass  # not (fully) cached: fetch it
        reason = unreachable()
        if reason:
            raise OSError(reason)
    if local_files_only is not None:
        kwargs["local_files_only"] = local_files_only
    return loader(model_ref, **kwargs)


def looks_like_path(model_ref: str) -> bool:
    """A hub id is 'name' or 'org/name'; anything else is meant as a directory."""
    return (
        model_ref.startswith(("/", ".", "~", "\\"))
        or model_ref.count("/") > 1
        or "\\" in model_ref
        or Path(model_ref).is_absolute()
    )


# A CLIP folder has config.json; a static-embedding sentence-transformers model only modules.json.
CONFIG_FILES = ("config.json", "modules.json")
REVISION_SAMPLES = 32
REVISION_CHUNK = 64 * 1024


def local_revision(directory: Path) -> str:
    """A short fingerprint of a local model: sha256 over its config files (config.json; a
    sentence-transformers model's modules.json) and, for every weights file, its path, size
    and 32 evenly spaced 64 KiB samples of its bytes (the whole file when it is under 2 MiB).
    Fine-tunes that keep their base's config.json still differ; reading 2 MiB per file keeps
    it instant for multi-GB checkpoints. Weights in subfolders (a sentence-transformers Dense
    layer) count too. First 12 hex digits."""
    digest = hashlib.sha256()
    for name in CONFIG_FILES:
        if (directory / name).is_file():
            digest.update((directory / name).read_bytes())
    weights = sorted(
        p
        for p in directory.rglob("*")
        if p.is_file()
        and p.name.endswith((".safetensors", ".bin"))
        and not any(part.startswith(".") for part in p.relative_to(directory).parts)
    )
    for path in weights:
        size = path.stat().st_size
        digest.update(f"\0{path.relative_to(directory).as_posix()}\0{size}\0".encode())
        with path.open("rb") as handle:
            if size <= REVISION_SAMPLES * REVISION_CHUNK:
                digest.update(handle.read())
                continue
            step = (size - REVISION_CHUNK) / (REVISION_SAMPLES - 1)
            for i in range(REVISION_SAMPLES):
                handle.seek(round(i * step))
                digest.update(handle.read(REVISION_CHUNK))
    return digest.hexdigest()[:12]
