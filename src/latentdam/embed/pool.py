"""One embedder per space, created on first use and kept for the library's lifetime."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from latentdam.embed import load_embedder
from latentdam.embed.base import Embedder
from latentdam.embed.space import Space


class EmbedderPool:
    def __init__(self, device: str | None = None, provided: Iterable[Embedder] = ()) -> None:
        self.device = device
        self._by_name: dict[str, Embedder] = {e.space.name: e for e in provided}
        self._provided = {id(e) for e in self._by_name.values()}  # the caller's: never unloaded here
        self._lock = threading.Lock()

    def get(self, space: Space) -> Embedder:
        """The embedder for a space; one given at construction wins if its space matches."""
        with self._lock:
            embedder = self._by_name.get(space.name)
            if embedder is None or embedder.space != space:
                embedder = load_embedder(space, self.device)
                self._by_name[space.name] = embedder
            return embedder

    def add(self, embedder: Embedder) -> None:
        """Use an already-loaded embedder for its space, unless one for that same space is
        here already (it may be shared with the caller, or loaded): it stays."""
        with self._lock:
            present = self._by_name.get(embedder.space.name)
            if present is None or present.space != embedder.space:
                self._by_name[embedder.space.name] = embedder

    def unload(self, space: Space) -> None:
        with self._lock:
            embedder = self._by_name.get(space.name)
        if embedder is not None:
            embedder.unload()

    def close(self) -> None:
        """Unload the models this pool loaded (the caller's own embedders stay loaded)."""
        with self._lock:
            owned = [e for e in self._by_name.values() if id(e) not in self._provided]
            self._by_name = {n: e for n, e in self._by_name.items() if id(e) in self._provided}
        for embedder in owned:
            embedder.unload()
