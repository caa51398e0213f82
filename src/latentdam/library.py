"""`Library`: the one facade every interface (CLI, Python API, HTTP) uses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from latentdam.config import Settings
from latentdam.embed import TextEmbedder, get_space, load_text_embedder
from latentdam.errors import AssetNotFound, QueryError
from latentdam.extract.file import extract_file
from latentdam.ingest import Ingestor, IngestProgress, IngestReport
from latentdam.search.engine import SearchEngine
from latentdam.search.fusion import ReciprocalRankFusion
from latentdam.search.query import Filters, SearchQuery
from latentdam.search.result import SearchResult, Signal
from latentdam.store.asset import Asset, from_row
from latentdam.store.store import LibraryStore

PathLike = str | Path


@dataclass(frozen=True, slots=True)
class LibraryStats:
    path: str
    assets: int
    files: int
    by_tool: dict[str, int]
    spaces: dict[str, int]  # space name -> assets with a vector in it
    schema_version: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "assets": self.assets,
            "files": self.files,
            "by_tool": self.by_tool,
            "spaces": self.spaces,
            "schema_version": self.schema_version,
        }


class Library:
    """An asset library on disk (a LanceDB directory).

    >>> lib = Library.open("latentdam-library")
    >>> lib.ingest(["~/renders"])
    >>> lib.search(text="cyberpunk street at night", filters={"tool": "comfyui"})
    """

    def __init__(self, store: LibraryStore, embedder: TextEmbedder, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        weights = {Signal.SEMANTIC: settings.fusion.semantic, Signal.KEYWORD: settings.fusion.keyword}
        self._engine = SearchEngine(store, embedder, ReciprocalRankFusion(k=settings.rrf_k, weights=weights))

    @classmethod
    def open(
        cls,
        path: PathLike | None = None,
        *,
        settings: Settings | None = None,
        embedder: TextEmbedder | None = None,
    ) -> Library:
        """Open the library at `path` (default: settings.library), creating it if missing."""
        settings = settings or Settings()
        if path is not None:
            settings = settings.model_copy(update={"library": Path(path)})
        get_space(settings.text_space)  # fail early on an unknown space name
        store = LibraryStore.open(settings.library)
        embedder = embedder or load_text_embedder(settings.text_space, device=settings.device)
        return cls(store, embedder, settings)

    @property
    def path(self) -> str:
        return self.store.uri

    def ingest(self, paths: Iterable[PathLike], progress: IngestProgress | None = None) -> IngestReport:
        """Add or refresh every PNG/JPEG/WebP under the given files and folders."""
        ingestor = Ingestor(
            self.store,
            self.embedder,
            batch_size=self.settings.batch_size,
            max_pixels=int(self.settings.max_megapixels * 1_000_000),
            thumbnail_size=self.settings.thumbnail_size,
        )
        return ingestor.run([Path(p) for p in paths], progress)

    def search(
        self,
        text: str | None = None,
        image: PathLike | None = None,
        filters: Filters | Mapping[str, Any] | None = None,
        limit: int = 10,
        signals: Iterable[Signal | str] | None = None,
    ) -> SearchResult:
        """Hybrid search: semantic (embedding) + keyword (BM25), fused, under `filters` (AND).

        With `image`, the prompt the image carries in its own metadata is searched for
        (combined with `text` when both are given). `signals` restricts a text search to
        some signals (e.g. `["keyword"]`); by default all are fused.
        """
        query = SearchQuery(
            text=text,
            image=Path(image) if image is not None else None,
            filters=filters if isinstance(filters, Filters) else Filters(**(filters or {})),
            limit=limit,
            signals=frozenset(Signal(s) for s in signals) if signals is not None else None,
        )
        return self._engine.run(query, self._query_text(query))

    def _query_text(self, query: SearchQuery) -> str | None:
        if query.image is None:
            return query.text
        item = extract_file(
            query.image,
            max_pixels=int(self.settings.max_megapixels * 1_000_000),
            thumbnail_size=16,
        )
        prompt = item.record.prompt or item.record.description or ""
        if not prompt and not query.text:
            raise QueryError(
                f"{query.image} carries no generation prompt, and this library has no image"
                " embedding space yet; add a search text"
            )
        return ", ".join(t for t in (query.text, prompt) if t)

    def get(self, ref: str) -> Asset:
        """An asset by id, unique id prefix, or file path."""
        row = self.store.find(ref)
        if row is None:
            raise AssetNotFound(ref)
        return from_row(row)

    def stats(self) -> LibraryStats:
        by_tool: dict[str, int] = {}
        table = self.store.assets.search().select(["tool"]).limit(None).to_arrow()
        for tool in table["tool"].to_pylist():
            by_tool[tool] = by_tool.get(tool, 0) + 1
        return LibraryStats(
            path=self.path,
            assets=self.store.count(),
            files=int(self.store.files.count_rows()),
            by_tool=dict(sorted(by_tool.items(), key=lambda kv: -kv[1])),
            spaces={s.name: self.store.count(f"{s.column} IS NOT NULL") for s in self.store.spaces},
            schema_version=int(self.store.get_meta("schema_version")),
        )
