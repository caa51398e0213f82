"""`Library`: the one facade every interface (CLI, Python API, HTTP) uses."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image
from pydantic import ValidationError

from latentdam.config import Settings, library_location
from latentdam.embed import Embedder, ImageEmbedder, TextEmbedder, resolve_embedder, resolve_space
from latentdam.embed.pool import EmbedderPool
from latentdam.embed.space import Modality, Space, distinct_name
from latentdam.errors import (
    AssetNotFound,
    ExtractError,
    ImageTooLarge,
    InvalidQuery,
    InvalidSetting,
    LibraryExists,
    QueryError,
)
from latentdam.export import export_records
from latentdam.extract.file import extract_bytes, extract_file, read_image, read_pixels
from latentdam.extract.pool import stop_idle_workers
from latentdam.extract.record import GenerationRecord
from latentdam.extract.text import TEXT_RECIPE
from latentdam.ingest import IngestEngine, Ingestor, IngestProgress, IngestReport
from latentdam.migrate import BackfillEngine, Reembedder, ReembedReport
from latentdam.refresh import RefreshReport, TextRefresher, mark_current, stored_recipe
from latentdam.reports import (
    ExportFormat,
    ExportReport,
    JsonRecord,
    MapReport,
    OptimizeReport,
    PruneReport,
    TagReport,
)
from latentdam.search.calibration import (
    Calibration,
    calibrate_image_space,
    calibrate_text_space,
    calibration_key,
    is_current,
)
from latentdam.search.cursor import CursorState, fingerprint
from latentdam.search.cursor import decode as decode_cursor
from latentdam.search.cursor import encode as encode_cursor
from latentdam.search.duplicates import DEFAULT_DUPLICATE_THRESHOLD, find_duplicate_groups
from latentdam.search.engine import SearchEngine
from latentdam.search.expansion import Vocabulary, build_vocabulary
from latentdam.search.facets import VALUE_COLUMNS, field_values
from latentdam.search.filters import to_sql
from latentdam.search.fusion import ReciprocalRankFusion
from latentdam.search.plan import QueryInput
from latentdam.search.query import Filters, SearchQuery, Sort, invalid_query
from latentdam.search.relevance import MIN_SAMPLES, fit_relevance
from latentdam.search.result import SearchResult
from latentdam.search.signal import Signal, signal_of
from latentdam.search.snapshot import Snapshot
from latentdam.search.variants import PromptVariants, varying
from latentdam.store.asset import Asset, from_row
from latentdam.store.lock import LockHolder, writer_lock
from latentdam.store.manifest import Manifest
from latentdam.store.maps import MapStore
from latentdam.store.store import NO_TEXT, TERMS_KEY, LibraryStore, quote

if TYPE_CHECKING:
    from latentdam.distributed import RayEngine
    from latentdam.search.explore import ExploreMap

PathLike = str | Path
# A query image: encoded bytes (an upload), decoded pixels, a file, or an asset id in the library.
QueryImage = bytes | Image.Image | Path | str


def _image_key(image: QueryImage | None) -> str | None:
    """What identifies a query image across the pages of one search."""
    if isinstance(image, bytes):
        return hashlib.sha256(image).hexdigest()
    if isinstance(image, Image.Image):
        return hashlib.sha256(image.tobytes()).hexdigest()
    return None if image is None else str(image)


def _image_label(image: QueryImage) -> str:
    if isinstance(image, bytes):
        return "upload"
    if isinstance(image, Image.Image):
        return "image"
    return str(image)


@dataclass(frozen=True, slots=True)
class SpaceInfo:
    space: Space
    active: bool
    vectors: int  # assets with a vector in this space
    assets: int

    @property
    def coverage(self) -> float:
        return self.vectors / self.assets if self.assets else 1.0

    def to_dict(self) -> dict[str, Any]:
        return self.summary().to_dict()

    def summary(self) -> SpaceSummary:
        return SpaceSummary(
            **self.space.to_dict(),
            active=self.active,
            signal=str(signal_of(self.space)),
            vectors=self.vectors,
            coverage=round(self.coverage, 4),
        )


@dataclass(frozen=True, slots=True)
class SpaceSummary(JsonRecord):
    """A space as `spaces --json` and GET /v1/spaces show it: its definition (Space.to_dict)
    and how it stands in this library."""

    name: str
    backend: str
    model_id: str  # hub id, local directory, or a built-in name
    revision: str
    dim: int
    modalities: list[str]  # text, image
    active: bool  # answers searches
    signal: str  # semantic, image or visual
    vectors: int  # assets with a vector in it
    coverage: float  # the share of assets with one


@dataclass(frozen=True, slots=True)
class LibraryStats(JsonRecord):
    path: str
    assets: int
    files: int
    without_file: int  # assets whose every file is gone (`latentdam prune` removes them)
    without_text: int  # assets whose file carries no prompt or other text: no text space holds them
    by_tool: dict[str, int]
    spaces: dict[str, int]  # space name -> assets with a vector in it
    schema_version: int
    text_is_stale: bool  # stored texts predate this version's recipe: `latentdam refresh`


@dataclass(frozen=True, slots=True)
class DuplicateGroup(JsonRecord):
    ids: list[str]
    paths: list[str]


class Library:
    """An asset library on disk (a LanceDB directory).

    >>> lib = Library.create("latentdam-library", exist_ok=True)
    >>> lib.ingest(["~/renders"])
    >>> lib.search(text="cyberpunk street at night", filters={"tool": "comfyui"})
    """

    def __init__(self, store: LibraryStore, settings: Settings, embedders: EmbedderPool) -> None:
        self.store = store
        self.settings = settings
        self.embedders = embedders
        weights = {signal: getattr(settings.fusion, signal.value, 1.0) for signal in Signal}
        # derived caches, each keyed on the manifest state it was derived from; threads share them
        self._vocabularies: dict[str, tuple[int | None, Vocabulary]] = {}
        self._maps: dict[str, ExploreMap] = {}  # the kept maps as last read, per space
        self._map_store = MapStore(store)
        self._snapshot: Snapshot | None = None  # the manifest as last read (see _current)
        self._lock = threading.Lock()
        # one writer per library, across processes (and hosts, for an object-store library)
        self._writer = writer_lock(store.uri, settings.storage_options)
        self._engine = SearchEngine(
            store,
            embedders,
            ReciprocalRankFusion(k=settings.rrf_k),
            weights,
            self._vocabulary,
            self._current,
        )

    def close(self) -> None:
        """Free what this library holds in memory: the models it loaded and the idle
        file-reading processes. The library on disk is untouched, and a later call loads
        again what it needs. `with Library.open(...) as lib:` closes it at the end."""
        self.embedders.close()
        stop_idle_workers()
        with self._lock:
            self._vocabularies.clear()
            self._maps.clear()
            self._snapshot = None

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @classmethod
    def open(
        cls,
        location: PathLike | None = None,
        *,
        settings: Settings | None = None,
        embedders: Iterable[Embedder] = (),
    ) -> Library:
        """Open the library at `location` (a directory or an s3:// URI; default:
        settings.library). There must be one there (LibraryNotFound otherwise): reading never
        creates a library. `embedders` lets a caller share already-loaded models (they are
        used for the spaces they belong to)."""
        settings = cls._settings(location, settings)
        store = LibraryStore.open(settings.library, **cls._store_options(settings))
        return cls(store, settings, EmbedderPool(settings.device, embedders))

    @classmethod
    def create(
        cls,
        location: PathLike | None = None,
        *,
        settings: Settings | None = None,
        embedders: Iterable[Embedder] = (),
        exist_ok: bool = False,
    ) -> Library:
        """Create a library at `location`, starting with the spaces in `settings.spaces`
        (LibraryExists if one is there, unless `exist_ok`: then it is opened as it is)."""
        settings = cls._settings(location, settings)
        if LibraryStore.exists(settings.library, settings.storage_options):
            if not exist_ok:
                raise LibraryExists(settings.library)
            return cls.open(settings=settings, embedders=embedders)
        store = LibraryStore.open(settings.library, create=True, **cls._store_options(settings))
        library = cls(store, settings, EmbedderPool(settings.device, embedders))
        with library._writer.hold("create"):
            if not store.spaces:  # else another process made it first
                store.set_active([resolve_space(name) for name in settings.spaces])
                mark_current(store)
        return library

    @staticmethod
    def _settings(location: PathLike | None, settings: Settings | None) -> Settings:
        settings = settings or Settings()
        if location is not None:
            settings = settings.model_copy(update={"library": library_location(location)})
        return settings

    @staticmethod
    def _store_options(settings: Settings) -> dict[str, Any]:
        return {
            "storage_options": settings.storage_options,
            "read_consistency": timedelta(seconds=settings.read_consistency_seconds),
        }

    @property
    def path(self) -> str:
        return self.store.uri

    def writing(self, operation: str) -> AbstractContextManager[LockHolder]:
        """Hold the library's writer lock for an operation of the caller's (LibraryBusy if
        another writer has it); ingest, reembed, refresh and drop take it themselves."""
        return self._writer.hold(operation)

    def writer(self) -> LockHolder | None:
        """Who is writing to this library now (an ingest, a reembed...), if anyone."""
        return self._writer.holder()

    @property
    def trust_anchors(self) -> str | None:
        """The PEM bundle of signers whose Content Credentials count as valid (None: no
        signer is trusted, so signed files read `untrusted`)."""
        path = self.settings.c2pa_trust_anchors
        if path is None:
            return None
        try:
            return path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidSetting(
                f"c2pa_trust_anchors: cannot read {path} as a PEM bundle ({exc});"
                " set LATENTDAM_C2PA_TRUST_ANCHORS to a readable .pem file, or unset it"
            ) from None

    @property
    def max_pixels(self) -> int:
        """The decompression-bomb guard every decode of this library uses, in pixels."""
        return int(self.settings.max_megapixels * 1_000_000)

    # -- ingest -------------------------------------------------------------------------

    def ingest(
        self,
        paths: Iterable[PathLike],
        progress: IngestProgress | None = None,
        *,
        within: Sequence[Path] | None = None,
        engine: IngestEngine | None = None,
    ) -> IngestReport:
        """Add or refresh every PNG/JPEG/WebP under the given files and folders. `within`:
        skip (and report) files that are, links resolved, outside these folders. `engine`:
        where files are read and embedded (this process by default; `RayEngine`: a cluster)."""
        ingestor = Ingestor(
            self.store,
            self.embedders,
            batch_size=self.settings.batch_size,
            max_pixels=self.max_pixels,
            thumbnail_size=self.settings.thumbnail_size,
            trust_anchors=self.trust_anchors,
            within=within,
            read_workers=self.settings.read_workers,
            file_timeout=self.settings.file_timeout,
            engine=engine,
            originals=self.store.originals if self.settings.copy_originals else None,
        )
        with self._writer.hold("ingest"):
            report = ingestor.run([Path(p) for p in paths], progress)
            report.library = self.path
            if report.changed or self._derived_missing():
                with report.timing("derived"):
                    self._refresh_derived()
        return report

    def _derived_missing(self) -> bool:
        """Whether a text space lacks its vocabulary or relevance model (a library made before
        either existed, or one whose last fit was interrupted)."""
        models = self.store.get_meta("relevance") or {}
        active = {s.name for s in self.store.active}
        fittable = self.store.count() >= MIN_SAMPLES
        return any(
            self._vocabulary(s) is None or (fittable and s.name in active and s.name not in models)
            for s in self._text_spaces()
        )

    def _text_spaces(self) -> list[Space]:
        return [s for s in self.store.spaces if signal_of(s) is Signal.SEMANTIC]

    def _refresh_derived(self, refit: bool = False) -> list[str]:
        """Refresh what is derived from the library's content: each text space's vocabulary
        (new terms are embedded), then every calibration and relevance model that is missing
        or stale (the library grew by a quarter; `refit`: all of them, the texts under them
        changed or `optimize` asks). Returns the keys of the models fitted."""
        for space in self._text_spaces():
            embedder = self.embedders.get(space)
            assert isinstance(embedder, TextEmbedder)
            build_vocabulary(self.store, space, embedder)  # the next search loads it, if changed
        return self._refresh_calibrations(refit) + self._refresh_relevance(refit)

    def _refresh_relevance(self, refit: bool = False) -> list[str]:
        """(Re)fit the relevance model of every active text space that has none or a stale one."""
        fitted_keys = []
        models = self.store.get_meta("relevance") or {}
        assets = self.store.count()
        for space in self.store.active:
            if signal_of(space) is not Signal.SEMANTIC:
                continue
            known = models.get(space.name)
            if not refit and is_current(known, assets):
                continue
            embedder = self.embedders.get(space)
            assert isinstance(embedder, TextEmbedder)
            fitted = fit_relevance(self.store, space, embedder, self._vocabulary(space))
            if fitted is not None:
                models[space.name] = fitted.to_dict()
                fitted_keys.append(f"relevance:{space.name}")
            else:
                models.pop(space.name, None)  # too small again: the prior answers
        self.store.set_meta("relevance", models)
        return fitted_keys

    def _refresh_calibrations(self, refit: bool = False) -> list[str]:
        """(Re)fit, per active space and kind of query it answers, a calibration that is missing
        or stale: image queries in spaces that embed pixels, text queries in spaces that embed
        text (joint spaces get both)."""
        fitted_keys = []
        calibrations = self.store.get_meta("calibration") or {}
        assets = self.store.count()
        for space in self.store.active:
            embedder = self.embedders.get(space)
            for query in (Modality.IMAGE, Modality.TEXT):
                key = calibration_key(space, query)
                known = calibrations.get(key)
                if not refit and is_current(known, assets):
                    continue
                fitted: Calibration | None = None
                if query is Modality.IMAGE and space.embeds(query) and isinstance(embedder, ImageEmbedder):
                    fitted = calibrate_image_space(self.store, space, embedder)
                elif query is Modality.TEXT and space.embeds(query) and isinstance(embedder, TextEmbedder):
                    fitted = calibrate_text_space(self.store, space, embedder)
                if fitted is not None:
                    calibrations[key] = fitted.to_dict()
                    fitted_keys.append(f"calibration:{key}")
        self.store.set_meta("calibration", calibrations)
        return fitted_keys

    def _current(self) -> Snapshot:
        """What a search reads from the manifest: one immutable snapshot per manifest version
        (another process's ingest or model switch makes a new one), shared by threads."""
        manifest = self.store.manifest()
        with self._lock:
            if self._snapshot is None or self._snapshot.version != manifest.version:
                self._snapshot = Snapshot.of(manifest)
            return self._snapshot

    def _vocabulary(self, space: Space, manifest: Manifest | None = None) -> Vocabulary | None:
        """A text space's vocabulary, cached per saved version of it (see store.update_terms);
        `manifest`: as that reading of the manifest knew it (a pinned, paged search)."""
        version = ((manifest or self.store.manifest()).get(TERMS_KEY) or {}).get(space.name)
        with self._lock:
            cached = self._vocabularies.get(space.name)
            if cached is not None and cached[0] == version:
                return cached[1]
        known = self.store.term_vectors(space, version)
        if not known:
            return None
        terms = sorted(known)  # the table holds them in the order they were added
        embedder = self.embedders.get(space)
        assert isinstance(embedder, TextEmbedder)
        vocabulary = Vocabulary.of(space.name, terms, np.stack([known[t] for t in terms]), embedder)
        with self._lock:
            self._vocabularies[space.name] = (version, vocabulary)
        return vocabulary

    # -- search -------------------------------------------------------------------------

    def search(
        self,
        text: str | None = None,
        image: PathLike | None = None,
        filters: Filters | Mapping[str, Any] | None = None,
        limit: int = 10,
        signals: Iterable[Signal | str] | None = None,
        *,
        image_weight: float = 0.5,
        negative: str | None = None,
        min_confidence: float | None = None,
        include_all: bool = False,
        explain: bool = False,
        sort: Sort | str | None = None,
        space: str | None = None,
    ) -> SearchResult:
        """Hybrid search under `filters` (all must hold), fused over every signal that applies:
        text → semantic (prompt space), image (joint CLIP/SigLIP space) and keyword (BM25);
        image → image and visual spaces, plus the prompt the image carries (metadata inversion).
        Text and image together are combined in the joint space by weighted vector sum
        (`image_weight` is the image's share); `negative` steers away from a text.
        `signals` restricts which signals run (e.g. `["keyword"]`).

        Each hit gets `confidence`, P(relevant) from the library's relevance model (which
        also orders the hits), and a `band`. When no candidate reaches the cut
        (`min_confidence`, default 0.5: a genuine match as likely as not) `status` is
        `no_match` and `closest` holds the best candidate with `closest_why`; when the filters
        leave nothing, `status` is `no_candidates`. `include_all` shows everything. `sort`
        ("date": newest first, "name") orders the relevant results instead of relevance.
        `explain` attaches an Explanation to every hit. `space` answers from that space in
        place of the active one of its kind (a migration's new space, before it is active).
        """
        try:
            query = SearchQuery(
                text=text,
                image=str(image) if image is not None else None,
                image_weight=image_weight,
                negative=negative,
                filters=self._filters(filters),
                limit=limit,
                signals=frozenset(Signal(s) for s in signals) if signals is not None else None,
                min_confidence=min_confidence,
                include_all=include_all,
                explain=explain,
                sort=Sort(sort) if sort is not None else None,
                space=space,
            )
        except ValidationError as exc:
            raise invalid_query(exc) from None
        except ValueError as exc:  # an unknown signal or sort name
            raise InvalidQuery(str(exc)) from None
        return self.run(query, Path(image) if image is not None else None)

    def run(self, query: SearchQuery, image: QueryImage | None = None) -> SearchResult:
        """Run one search: the entry point every interface shares (`search` is a keyword
        wrapper, the HTTP API posts a SearchQuery). `image` is the query image: encoded
        bytes (an upload), a decoded PIL image, a file path, or the id of an asset in the
        library (its picture and the prompt it carries). `query.similar_to` runs `similar`."""
        if image is not None and query.image is None:
            query = query.model_copy(update={"image": _image_label(image)})
        if query.image is not None and image is None:
            raise InvalidQuery(f"the query names an image ({query.image}) but none was given")
        if query.asks_nothing():
            raise InvalidQuery("give a search text, an image, or at least one filter")
        key = fingerprint(query, _image_key(image))
        engine, offset = self._engine, 0
        if query.cursor is not None:
            state = decode_cursor(query.cursor)
            if state.query != key:
                raise InvalidQuery("cursor: it pages through another query; send the query it came with")
            engine, offset = self._pinned_engine(state), state.offset
            assets_version, manifest_version = state.assets_version, state.manifest_version
        else:  # the manifest version is the one the engine's snapshot reads (cursor's 2nd argument)
            assets_version, manifest_version = self.store.version, None

        def cursor(next_offset: int, snapshot_version: int) -> str:
            pinned = manifest_version if manifest_version is not None else snapshot_version
            return encode_cursor(CursorState(assets_version, pinned, next_offset, key))

        given = QueryInput(None, None) if query.similar_to is not None else self._query_input(query, image)
        return engine.run(query, given, offset, cursor)

    def _pinned_engine(self, state: CursorState) -> SearchEngine:
        """The engine over the library as a cursor's first page saw it."""
        manifest = self.store.manifest()
        if manifest.version != state.manifest_version:
            manifest = self.store.manifest_at(state.manifest_version)
        view = self.store.at(state.assets_version, manifest)
        snapshot = Snapshot.of(manifest)
        return self._engine.at(view, lambda: snapshot, lambda space: self._vocabulary(space, manifest))

    def similar(
        self,
        ref: str,
        limit: int = 10,
        filters: Filters | Mapping[str, Any] | None = None,
        signals: Iterable[Signal | str] | None = None,
    ) -> SearchResult:
        """Nearest neighbours of an asset already in the library (by id, id prefix or path).

        By default "similar" means similar pictures: the image spaces (joint and visual)
        answer, and prompt similarity joins only when asked (`signals=["semantic", ...]`) or
        when the library has no image space.
        """
        if signals is None:
            pictures = {signal_of(s) for s in self.store.active} & {Signal.IMAGE, Signal.VISUAL}
            signals = pictures or None
        query = SearchQuery(
            similar_to=self.get(ref).id,
            filters=self._filters(filters),
            limit=limit,
            signals=frozenset(Signal(s) for s in signals) if signals is not None else None,
        )
        return self.run(query)

    def export(
        self,
        path: PathLike,
        format: ExportFormat | str | None = None,
        *,
        vectors: bool = False,
        filters: Filters | Mapping[str, Any] | None = None,
        progress: IngestProgress | None = None,
    ) -> ExportReport:
        """Write the records of every asset (or those `filters` keep) to `path`: JSON Lines
        (each asset as the API shows it, raw metadata included), CSV or Parquet (one flat
        row each); the format comes from the extension unless given. `vectors`: add each
        active space's vector (a column per space; `vectors` in JSON Lines)."""
        out = Path(path).expanduser()
        fmt = ExportFormat(format) if format is not None else ExportFormat.of(out)
        where = to_sql(self._filters(filters))
        spaces = list(self.store.active) if vectors else []
        return export_records(self.store, out, fmt, spaces=spaces, where=where, progress=progress)

    def duplicates(self, threshold: float | None = None, space: str | None = None) -> list[DuplicateGroup]:
        """Groups of near-identical assets (re-encoded, resized, slightly cropped copies),
        found in the visual descriptor space unless `space` names another."""
        chosen = self.store.space(space) if space else self._visual_space()
        ids, vectors = self.store.all_vectors(chosen)
        limit = DEFAULT_DUPLICATE_THRESHOLD if threshold is None else threshold
        groups = find_duplicate_groups(ids, vectors, limit)
        paths = {
            i: row["path"]
            for i, row in self.store.rows([i for g in groups for i in g], ["id", "path"]).items()
        }
        return [DuplicateGroup(ids=g, paths=[paths[i] for i in g]) for g in groups]

    def explore(self, space: str | None = None, *, compute: bool = True) -> ExploreMap | None:
        """The library's neighbourhoods and its 2-D map in a space (default: the active text
        space), as the library keeps it. When none is kept or the library has changed since,
        it is computed now and kept if `compute`; else the kept one comes marked `stale`, or
        None (a server computes it in a background job: see `build_map`)."""
        chosen = self.store.space(space) if space else self._explore_space()
        kept = self._kept_map(chosen.name)
        if kept is not None and kept.version == self.store.version:
            return kept
        if compute:
            self.build_map(chosen.name)
            return self._kept_map(chosen.name)
        return kept.model_copy(update={"stale": True}) if kept is not None else None

    def build_map(self, space: str | None = None) -> MapReport:
        """Compute the explore map of a space (clusters, labels, a UMAP projection) and keep
        it in the library, replacing the one kept before."""
        from latentdam.search.explore import build_map  # scikit-learn, umap-learn load on first use

        started = time.perf_counter()
        chosen = self.store.space(space) if space else self._explore_space()
        with self._writer.hold("explore map"):
            built = build_map(self.store, chosen)
            self._map_store.save(
                built.space, built.version, built.model_dump_json(exclude={"stale", "refreshing"})
            )
        return MapReport(
            space=chosen.name,
            assets=len(built.ids),
            neighbourhoods=len(built.neighbourhoods),
            projection=built.projection,
            seconds=time.perf_counter() - started,
        )

    def _kept_map(self, space: str) -> ExploreMap | None:
        version = self._map_store.version(space)
        if version is None:
            return None
        with self._lock:
            cached = self._maps.get(space)
        if cached is not None and cached.version == version:
            return cached
        from latentdam.search.explore import ExploreMap

        body = self._map_store.load(space)
        loaded = ExploreMap.model_validate_json(body) if body is not None else None
        if loaded is not None:
            with self._lock:
                self._maps[space] = loaded
        return loaded

    def variants(self, ref: str, limit: int = 24) -> PromptVariants:
        """The other assets made from exactly this asset's prompt (other seeds, models,
        samplers...), newest first, and which parameters vary among them."""
        asset = self.get(ref)
        prompt = asset.record.prompt
        if not prompt.strip():
            return PromptVariants(id=asset.id, prompt="", total=0, varies=[], variants=[])
        where = f"prompt = {quote(prompt)} AND id != {quote(asset.id)}"
        newest = self.store.filter_ids(where, limit)
        rows = self.store.rows(newest)
        variants = [from_row(rows[i]) for i in newest]
        return PromptVariants(
            id=asset.id,
            prompt=prompt,
            total=self.store.count(where),
            varies=varying([asset, *variants]),
            variants=variants,
        )

    def values(self, field: str, contains: str = "", limit: int = 20) -> dict[str, int]:
        """The values a field holds in this library (most assets first) that contain a text:
        what to suggest as a person types `model:dre`. Fields: tool, model, lora, sampler, tag."""
        column = VALUE_COLUMNS.get(field)
        if column is None:
            raise InvalidQuery(f"no field {field!r} to suggest values of; fields: {', '.join(VALUE_COLUMNS)}")
        return field_values(self.store.column_rows(None, [column]), column, contains, limit)

    def _explore_space(self) -> Space:
        active = self.store.active
        for space in active:
            if signal_of(space) is Signal.SEMANTIC:
                return space
        if not active:
            raise QueryError("this library has no embedding space yet; ingest something first")
        return active[0]

    def _visual_space(self) -> Space:
        for space in self.store.spaces:
            if signal_of(space) is Signal.VISUAL:
                return space
        raise QueryError(
            "this library has no visual descriptor space; add it: latentdam reembed --model visual"
        )

    @staticmethod
    def _filters(filters: Filters | Mapping[str, Any] | None) -> Filters:
        if isinstance(filters, Filters):
            return filters
        try:
            return Filters(**(filters or {}))
        except ValidationError as exc:
            raise invalid_query(exc) from None

    def _query_input(self, query: SearchQuery, image: QueryImage | None) -> QueryInput:
        if image is None:
            return QueryInput(query.text, None, query.negative, query.image_weight)
        record, pixels = self._read_query_image(image)
        prompt = record.prompt or record.description or None
        has_image_space = any(signal_of(s) is not Signal.SEMANTIC for s in self.store.active)
        if not prompt and not query.text and not has_image_space:
            raise InvalidQuery(
                f"{query.image} carries no generation prompt, and this library has no image"
                " embedding space; add a search text, or add one: latentdam reembed --model visual"
            )
        text = query.text or prompt
        return QueryInput(
            text,
            pixels,
            query.negative,
            query.image_weight,
            text_from_image=query.text is None and prompt is not None,
            image_prompt=prompt if query.text else None,
        )

    def _read_query_image(self, image: QueryImage) -> tuple[GenerationRecord, Image.Image | None]:
        try:
            return self._query_image_pixels(image)
        except ImageTooLarge as exc:
            raise ImageTooLarge(exc.pixels, exc.limit, exc.path, hint=ImageTooLarge.QUERY_HINT) from None

    def _query_image_pixels(self, image: QueryImage) -> tuple[GenerationRecord, Image.Image | None]:
        if isinstance(image, Image.Image):
            return read_image(image, max_pixels=self.max_pixels)
        if isinstance(image, bytes):
            item = extract_bytes(image, Path("upload"), max_pixels=self.max_pixels, thumbnail_size=16)
            return item.record, item.pixels
        if isinstance(image, Path):
            item = extract_file(image, max_pixels=self.max_pixels, thumbnail_size=16)
            return item.record, item.pixels
        asset = self.get(image)  # an asset in the library: its picture, else its record alone
        try:
            return asset.record, read_pixels(Path(asset.path), max_pixels=self.max_pixels)
        except (ExtractError, OSError):
            return asset.record, None

    # -- assets -------------------------------------------------------------------------

    def get(self, ref: str) -> Asset:
        """An asset by id, unique id prefix, or file path."""
        row = self.store.find(ref)
        if row is None:
            raise AssetNotFound(ref)
        return from_row(row)

    def prune(self, *, dry_run: bool = False) -> PruneReport:
        """Remove the assets no file is left of: every path they were seen at is gone (files
        that vanished from an ingested folder are forgotten by the next ingest of it; `prune`
        also checks the paths themselves). `dry_run`: only say which."""
        started = time.perf_counter()
        report = PruneReport(dry_run=dry_run)
        with self._writer.hold("prune"):
            rows = self.store.column_rows(None, ["id", "paths"])
            report.removed = sorted(
                row["id"] for row in rows if not any(os.path.exists(p) for p in row["paths"] or [])
            )
            if report.removed and not dry_run:
                gone = set(report.removed)
                stale = [p for row in rows if row["id"] in gone for p in row["paths"] or []]
                stale += [s.path for s in self.store.file_states_of(report.removed)]
                report.files = len(set(stale))
                self.store.delete_files(sorted(set(stale)))
                self.store.delete_assets(report.removed)
                self.store.refresh_indexes()
                self._refresh_derived()
        report.seconds = time.perf_counter() - started
        return report

    def optimize(self, engine: RayEngine | None = None) -> OptimizeReport:
        """Bring everything derived from the library up to date at once: build the indexes
        that are due (the ANN index of a large space), fold new rows into them, compact the
        data files, recount the vocabulary's words, and refit every calibration and relevance
        model from the stored data. Ingest does the index part itself after a large write;
        this is for after many small ones, or on a schedule. `engine`: compact the assets'
        data files on a Ray cluster's workers."""
        started = time.perf_counter()
        with self._writer.hold("optimize"):
            report = OptimizeReport(
                assets=self.store.count(),
                backlog_before=self.store.backlog(),
                fragments_before=self.store.fragments(),
                engine="local" if engine is None else engine.name,
            )
            self.store.optimize(None if engine is None else engine.compact)
            self.store.recount_terms()
            report.refitted = self._refresh_derived(refit=True)
            report.fragments_after = self.store.fragments()
            report.ann_indexed = sorted(
                s.name for s in self.store.active if s.column in self.store.ann_columns
            )
        report.seconds = time.perf_counter() - started
        return report

    def stats(self) -> LibraryStats:
        by_tool: dict[str, int] = {}
        table = self.store.assets.search().select(["tool"]).limit(None).to_arrow()
        for tool in table["tool"].to_pylist():
            by_tool[tool] = by_tool.get(tool, 0) + 1
        return LibraryStats(
            path=self.path,
            assets=self.store.count(),
            files=int(self.store.files.count_rows()),
            without_file=self.store.count("array_length(paths) = 0 OR paths IS NULL"),
            without_text=self.store.count(NO_TEXT),
            by_tool=dict(sorted(by_tool.items(), key=lambda kv: -kv[1])),
            spaces={s.name: self.store.coverage(s) for s in self.store.spaces},
            schema_version=int(self.store.get_meta("schema_version")),
            text_is_stale=self.text_is_stale,
        )

    # -- spaces and migration -----------------------------------------------------------

    @property
    def text_is_stale(self) -> bool:
        """Whether assets' stored texts predate the current recipe (see `refresh`)."""
        return stored_recipe(self.store) < TEXT_RECIPE

    def refresh(self, progress: IngestProgress | None = None) -> RefreshReport:
        """Recompute every asset's embedded and keyword text with the current recipe (after
        an upgrade of latentdam), re-embedding in the text spaces what changed. Resumable."""
        refresher = TextRefresher(self.store, self.embedders, batch_size=self.settings.batch_size)
        with self._writer.hold("refresh"):
            report = refresher.run(progress)
            if report.retexted:
                # the texts changed under every text-query calibration (a joint space's too: it
                # is fitted on prompt phrases) and every relevance model: fit them anew
                self._forget_calibrations(
                    calibration_key(s, Modality.TEXT) for s in self.store.spaces if s.embeds(Modality.TEXT)
                )
                self._refresh_derived(refit=True)
        return report

    def tag(self, ids: Sequence[str], add: Sequence[str] = (), remove: Sequence[str] = ()) -> TagReport:
        """Add and remove tags on assets (ids or unique prefixes). Tags are searchable at
        once: the `tag` filter, keywords, and the embedded text (re-embedded)."""
        started = time.perf_counter()
        report = TagReport()
        with self._writer.hold("tag"):
            refs = list(dict.fromkeys(ids))
            rows = self.store.rows(refs, columns=["id", "tags"])  # full ids: one read for all
            prefixes = [self.get(ref).id for ref in refs if ref not in rows]  # AssetNotFound names a bad one
            rows |= self.store.rows(prefixes, columns=["id", "tags"])
            dropped = set(remove)
            changed: dict[str, list[str]] = {}
            for asset_id, row in rows.items():
                before = list(row["tags"] or [])
                tags = [t for t in before if t not in dropped]
                tags += [t for t in dict.fromkeys(add) if t not in tags]
                if tags != before:
                    changed[asset_id] = tags
            self.store.update_columns([{"id": i, "tags": tags} for i, tags in changed.items()])
            if changed:
                refresher = TextRefresher(self.store, self.embedders, batch_size=self.settings.batch_size)
                report.reembedded = refresher.retext(list(changed)).reembedded
            report.tagged = len(changed)
        report.seconds = time.perf_counter() - started
        return report

    def spaces(self) -> list[SpaceInfo]:
        active = self.store.active
        total = self.store.count()
        return [SpaceInfo(s, s in active, self.store.coverage(s), total) for s in self.store.spaces]

    def reembed(
        self,
        model: str,
        progress: IngestProgress | None = None,
        *,
        activate: bool = True,
        engine: BackfillEngine | None = None,
    ) -> ReembedReport:
        """Add the space for `model`, backfill every asset into it (resumable), then make it
        the active space of its kind. Searches answer from the old space until the switch.
        `engine`: where the backfill embeds (this process by default; `RayEngine`: a cluster)."""
        embedder = resolve_embedder(model, self.settings.device)
        # another model whose name reads the same (another organisation's, another folder's)
        # gets a space of its own rather than colliding with the one there
        embedder.space = distinct_name(embedder.space, {s.name: s.model_id for s in self.store.spaces})
        self.embedders.add(embedder)  # a text model is loaded already: don't load it twice
        space = embedder.space
        reembedder = Reembedder(
            self.store,
            self.embedders,
            batch_size=self.settings.batch_size,
            max_pixels=self.max_pixels,
            engine=engine,
        )
        with self._writer.hold("reembed"):
            already = space in self.store.active
            report = reembedder.run(space, progress, activate=activate)
            report.already_active = already
            if already and not report.embedded:
                return report  # nothing changed: what is derived from the space still holds
            if signal_of(space) is Signal.SEMANTIC:
                self._refresh_derived()
            else:
                self._refresh_calibrations()
        return report

    def drop_space(self, name: str) -> None:
        """Delete an inactive space's vectors (e.g. the one a migration replaced)."""
        space = self.store.space(name)
        with self._writer.hold("drop space"):
            self.store.drop_space(name)
            self._forget_calibrations(calibration_key(space, query) for query in Modality)
            models = self.store.get_meta("relevance") or {}
            if models.pop(name, None) is not None:
                self.store.set_meta("relevance", models)
        self.embedders.unload(space)

    def _forget_calibrations(self, keys: Iterable[str]) -> None:
        stale = set(keys)
        calibrations = self.store.get_meta("calibration") or {}
        self.store.set_meta("calibration", {k: v for k, v in calibrations.items() if k not in stale})
