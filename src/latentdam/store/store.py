"""The LanceDB library: an assets table, a files table (path -> content hash, for incremental
ingest), and a manifest (schema version, spaces). Every write is one atomic LanceDB commit,
so a crash leaves the library at the last completed batch."""

from __future__ import annotations

import contextlib
import copy
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import lancedb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from lancedb.index import FTS, Bitmap, BTree, IvfHnswSq, LabelList
from lancedb.query import PhraseQuery

from latentdam.embed.space import Space
from latentdam.errors import (
    MIN_ID_PREFIX,
    AmbiguousRef,
    LibraryNotFound,
    SchemaTooNew,
    StoreError,
    UnknownSpace,
)
from latentdam.store.manifest import Manifest, ManifestReader
from latentdam.store.originals import Originals
from latentdam.store.schema import (
    ADDED_FIELDS,
    ASSETS_TABLE,
    FILES_SCHEMA,
    FILES_TABLE,
    KEYWORD_COLUMN,
    MANIFEST_SCHEMA,
    MANIFEST_TABLE,
    SCHEMA_VERSION,
    assets_schema,
)
from latentdam.store.term_counts import TermCounts, count_documents

# Scalar indexes that make the common filters fast; each kind suits its column's shape.
SCALAR_INDEXES: dict[str, Any] = {
    "id": BTree(),  # every search fetches its candidates' vectors and its page's rows by id
    "tool": Bitmap(),  # a handful of distinct values
    "sampler": Bitmap(),
    "seed": BTree(),
    "created_at": BTree(),
    "width": BTree(),
    "height": BTree(),
    "tags": LabelList(),  # list columns: array_has / array_has_any
    "lora_names": LabelList(),
}

# The files table is looked up by path (incremental ingest) and by asset (moves, prune).
FILES_INDEXES: dict[str, Any] = {"path": BTree(), "asset_id": BTree()}

# A write that leaves more than this many rows outside an index (or small data files worth as
# much, FRAGMENT_ROWS each) optimizes the library at its end; smaller ones leave it to the
# next large write or `latentdam optimize`. Exact search over a few thousand unindexed rows
# costs a few ms (bench/scale.py), an optimize of a large library seconds.
OPTIMIZE_BACKLOG = 2_000
OPTIMIZE_SHARE = 0.05  # ...or this share of the library, whichever is more
FRAGMENT_ROWS = 64

# The keyword text's full-text index: LanceDB's default English analyser (lower-case, ascii
# folding, stop words out, Snowball stems); positions enable "quoted phrase" queries, worth
# their index size for exact names. `index_tokens` tokenises with the same settings.
KEYWORD_INDEX = FTS(with_position=True)


def index_tokens(text: str) -> list[tuple[str, int]]:
    """The tokens the full-text index makes of a text, with their positions (a dropped stop
    word or over-long token leaves a gap): `lancedb.tokenize` with the index's settings."""
    cfg = KEYWORD_INDEX
    tokens = lancedb.tokenize(
        text,
        base_tokenizer=cfg.base_tokenizer,
        language=cfg.language,
        max_token_length=cfg.max_token_length,
        lower_case=cfg.lower_case,
        stem=cfg.stem,
        remove_stop_words=cfg.remove_stop_words,
        custom_stop_words=cfg.custom_stop_words,
        ascii_folding=cfg.ascii_folding,
        ngram_min_length=cfg.ngram_min_length,
        ngram_max_length=cfg.ngram_max_length,
        prefix_only=cfg.prefix_only,
    )
    return [(t.text, t.position) for t in tokens]


# Vector search is exact until a space holds this many vectors; past it, an approximate index
# (IVF partitions, an HNSW graph in each, 8-bit scalar-quantised vectors) answers in a few ms
# instead of a scan that grows with the library (bench/vector_search_speed.py: 100k vectors,
# 62 ms exact vs 14 ms indexed). New rows are searched exactly until `optimize` folds them in.
ANN_MIN_VECTORS = 50_000
# The index proposes this many times k candidates, re-ranked by their exact vectors: recall@10
# stays ~1.0 on prompt embeddings, and the scores stay exact cosines (calibration reads them).
ANN_REFINE_FACTOR = 5

# Columns a search result needs; thumbnails, raw metadata and vectors stay on disk until
# asked for (`Library.get`).
# Assets whose file carries no prompt or other text: text spaces have no vector for them.
NO_TEXT = "embed_text IS NULL OR embed_text = ''"
RESULT_COLUMNS = [
    f.name
    for f in assets_schema([])
    if f.name not in ("thumbnail", "embed_text", KEYWORD_COLUMN, "raw_metadata")
]


# Manifest key: each text space's vocabulary table version, as last saved.
TERMS_KEY = "terms_versions"


@dataclass(frozen=True, slots=True)
class FileState:
    path: str
    size: int
    mtime_ns: int
    asset_id: str


def quote(value: str) -> str:
    """A SQL string literal for LanceDB filters."""
    return "'" + value.replace("'", "''") + "'"


def in_list(column: str, values: Iterable[str]) -> str:
    return f"{column} IN ({', '.join(quote(v) for v in values)})"


def _matrix(column: pa.ChunkedArray, dim: int) -> np.ndarray:
    """A column of fixed-size vectors (no nulls) as an (n, dim) float32 matrix, in one piece:
    a row at a time as Python floats costs ~10x more."""
    flat = column.combine_chunks().flatten().to_numpy()
    return flat.reshape(len(column), dim).astype(np.float32, copy=False)


# Compacts the data files of the table at a dataset URI (opened with these storage options).
Compactor = Callable[[str, Mapping[str, str]], None]


def is_local(uri: str) -> bool:
    """Whether a library location is a directory on this machine (not an object-store URI)."""
    return "://" not in uri or uri.startswith("file://")


def local_path(uri: str) -> Path:
    return Path(uri.removeprefix("file://"))


class _Pinned:
    """A manifest reader that always answers the same reading."""

    def __init__(self, manifest: Manifest) -> None:
        self._manifest = manifest

    def read(self) -> Manifest:
        return self._manifest


def _connect(uri: str, storage_options: Mapping[str, str] | None, read_consistency: timedelta | None) -> Any:
    try:
        return lancedb.connect(
            uri, read_consistency_interval=read_consistency, storage_options=dict(storage_options or {})
        )
    except Exception as exc:
        raise StoreError(f"cannot open library at {uri}: {exc}") from exc


class LibraryStore:
    def __init__(self, uri: str, db: Any, storage_options: Mapping[str, str] | None = None) -> None:
        self.uri = uri
        self.storage_options = dict(storage_options or {})  # for engines that open the tables themselves
        # a library in a bucket keeps its originals there too (store/originals.py)
        self.originals = None if is_local(uri) else Originals(uri, self.storage_options)
        self._db = db
        self._manifest_table = self._open_or_create(MANIFEST_TABLE, MANIFEST_SCHEMA)
        self._manifest = ManifestReader(self._manifest_table)
        self.files = self._open_or_create(FILES_TABLE, FILES_SCHEMA)
        self.assets = self._open_or_create(ASSETS_TABLE, assets_schema(list(self.manifest().spaces)))
        self.term_counts = TermCounts(db)
        self._check_version()
        self._ann_columns = self._vector_indexed()

    def _vector_indexed(self) -> set[str]:
        """The vector columns with an approximate-nearest-neighbour index."""
        return {
            idx.columns[0]
            for idx in self.assets.list_indices()
            if len(idx.columns) == 1 and idx.columns[0].startswith("vec_")
        }

    @classmethod
    def open(
        cls,
        uri: str | Path,
        *,
        create: bool = False,
        storage_options: Mapping[str, str] | None = None,
        read_consistency: timedelta | None = None,
    ) -> LibraryStore:
        """Open the library at a directory path or object-store URI; `create`: make it when
        there is none (else LibraryNotFound). `read_consistency`: how stale a read may be
        before it looks for other processes' commits (None: never looks; 0: every read)."""
        uri = str(uri)
        if create and is_local(uri):
            local_path(uri).mkdir(parents=True, exist_ok=True)
        if not create and not cls.exists(uri, storage_options):
            raise LibraryNotFound(uri)
        return cls(uri, _connect(uri, storage_options, read_consistency), storage_options)

    @staticmethod
    def exists(uri: str | Path, storage_options: Mapping[str, str] | None = None) -> bool:
        """Whether a library is at this location (its manifest table is)."""
        uri = str(uri)
        if is_local(uri):
            return (local_path(uri) / f"{MANIFEST_TABLE}.lance").is_dir()
        try:
            tables = _connect(uri, storage_options, None).list_tables().tables
        except StoreError:
            raise
        except Exception as exc:  # unreachable endpoint, wrong credentials...
            raise StoreError(f"cannot open library at {uri}: {exc}") from exc
        return MANIFEST_TABLE in tables

    # -- manifest -----------------------------------------------------------------------

    def _open_or_create(self, name: str, schema: pa.Schema) -> Any:
        if name in self._db.list_tables().tables:
            return self._db.open_table(name)
        return self._db.create_table(name, schema=schema, exist_ok=True)

    def side_table(self, name: str, schema: pa.Schema | None = None) -> Any | None:
        """A table of the library's own beside the assets (the job log): opened if there,
        made with `schema` if not and one is given, else None."""
        if name in self._db.list_tables().tables:
            return self._db.open_table(name)
        return None if schema is None else self._db.create_table(name, schema=schema, exist_ok=True)

    def manifest(self) -> Manifest:
        """The manifest as of now: one immutable value per manifest table version."""
        return self._manifest.read()

    def manifest_at(self, version: int) -> Manifest:
        """The manifest as it was at a version of its table."""
        return ManifestReader(self._table_at(MANIFEST_TABLE, version)).read()

    @property
    def version(self) -> int:
        """The assets table's version as of now (what a paging cursor pins)."""
        return int(self.assets.version)

    def at(self, assets_version: int, manifest: Manifest) -> LibraryStore:
        """A read-only view of the library as it was: the assets table at a version, the
        manifest as read then. Later commits (an ingest still writing) do not reach it, so
        page 2 of a search ranks what page 1 ranked."""
        view = copy.copy(self)
        view.assets = self._table_at(ASSETS_TABLE, assets_version)
        view._manifest = _Pinned(manifest)  # type: ignore[assignment]
        return view

    def _table_at(self, name: str, version: int) -> Any:
        """A table of this library checked out at a past version (its own handle)."""
        table = self._db.open_table(name)
        try:
            table.checkout(version)
        except Exception as exc:  # cleaned up since (optimize prunes old versions)
            raise StoreError(f"library version {version} is gone (cleaned up); search again") from exc
        return table

    def get_meta(self, key: str) -> Any:
        return self.manifest().get(key)

    def set_meta(self, key: str, value: Any) -> None:
        row = [{"key": key, "value": json.dumps(value)}]
        table = self._manifest_table
        table.merge_insert("key").when_matched_update_all().when_not_matched_insert_all().execute(row)

    def _check_version(self) -> None:
        version = self.get_meta("schema_version")
        if version is None:
            self.set_meta("schema_version", SCHEMA_VERSION)
        elif version < SCHEMA_VERSION:
            # every step so far only adds columns, null in the rows already there
            names = set(self.assets.schema.names)
            missing = [
                f
                for v, fields in sorted(ADDED_FIELDS.items())
                if v > version
                for f in fields
                if f.name not in names
            ]
            if missing:
                self.assets.add_columns(missing)
            if version < 3:  # one diffusion model per asset before: `models` is that one
                self.assets.update(
                    where="models IS NULL AND model IS NOT NULL", values_sql={"models": "make_array(model)"}
                )
            self.set_meta("schema_version", SCHEMA_VERSION)
        elif version > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"the library at {self.uri} was written by a newer latentdam (schema {version},"
                f" this version reads {SCHEMA_VERSION}); upgrade latentdam"
            )

    @property
    def spaces(self) -> list[Space]:
        """Every space present in the library (active or being backfilled)."""
        return list(self.manifest().spaces)

    def space(self, name: str) -> Space:
        """A space present in this library, by name."""
        for space in self.spaces:
            if space.name == name:
                return space
        raise UnknownSpace(name, [s.name for s in self.spaces])

    @property
    def active(self) -> list[Space]:
        """The spaces that answer searches (a space being backfilled is present, not active)."""
        return list(self.manifest().active)

    def set_active(self, spaces: Sequence[Space]) -> None:
        """Switch the active spaces in one manifest write: searches see the old set or the new."""
        for space in spaces:
            self.ensure_space(space)
        self.set_meta("active", [s.name for s in spaces])

    def ensure_space(self, space: Space) -> None:
        """Give the assets table a vector column for this space (once) and record it."""
        present = next((s for s in self.spaces if s.name == space.name), None)
        if present == space:
            return
        if present is not None:
            raise StoreError(
                f"space {space.name!r} already exists with another definition"
                f" ({present.model_id}@{present.revision}, dim {present.dim});"
                f" drop it first: latentdam spaces drop {space.name}"
            )
        if space.column not in self.assets.schema.names:
            field = pa.field(space.column, pa.list_(pa.float32(), space.dim))
            self.assets.add_columns(field)
        self.set_meta("spaces", [s.to_dict() for s in [*self.spaces, space]])

    def drop_space(self, name: str) -> None:
        """Delete a space's vectors and forget it. The active space cannot be dropped."""
        space = self.space(name)
        if space in self.active:
            raise StoreError(f"space {name!r} is active; switch to another space before dropping it")
        indexed = [idx.name for idx in self.assets.list_indices() if space.column in idx.columns]
        for index in indexed:
            self.assets.drop_index(index)
        if space.column in self.assets.schema.names:
            self.assets.drop_columns([space.column])
        self.drop_terms(space)
        self._ann_columns.discard(space.column)
        self.set_meta("spaces", [s.to_dict() for s in self.spaces if s.name != name])

    def coverage(self, space: Space) -> int:
        """How many assets have a vector in this space."""
        return self.count(f"{space.column} IS NOT NULL")

    def missing_vectors(
        self, space: Space, columns: list[str], limit: int, excluding: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        """Up to `limit` assets without a vector in `space` (what a backfill does next), less
        the ids in `excluding` (ones it could not embed)."""
        where = f"{space.column} IS NULL"
        if excluding:
            where += f" AND id NOT IN ({', '.join(quote(i) for i in excluding)})"
        return self.assets.search().where(where).select(columns).limit(limit).to_list()

    def set_vectors(self, space: Space, vectors: Mapping[str, list[float] | None]) -> None:
        """Write one space's vectors for existing assets, touching no other column."""
        self.update_columns([{"id": i, space.column: v} for i, v in vectors.items()])

    def update_columns(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Overwrite some columns (the keys of the rows, `id` included) of existing assets."""
        if not rows:
            return
        replaced = self._texts([row["id"] for row in rows]) if "embed_text" in rows[0] else {}
        schema = pa.schema([self.assets.schema.field(name) for name in rows[0]])
        table = pa.Table.from_pylist(list(rows), schema=schema)
        # a null vector is deliberate (nothing to embed); keep it null, don't reject the row
        self.assets.merge_insert("id").when_matched_update_all().execute(table, on_bad_vectors="null")
        if "embed_text" in rows[0]:
            self.term_counts.apply(
                [row["embed_text"] for row in rows if row["id"] in replaced], replaced.values()
            )

    def _texts(self, ids: Sequence[str]) -> dict[str, str | None]:
        """The embedded texts some assets have now (what a write is about to replace), when
        the word counts are kept."""
        if not ids or not self.term_counts.exists():
            return {}
        return {i: row["embed_text"] for i, row in self.rows(ids, columns=["id", "embed_text"]).items()}

    def recount_terms(self) -> None:
        """Count every asset's words afresh (see store/term_counts.py)."""
        texts = self.assets.search().select(["embed_text"]).limit(None).to_arrow()["embed_text"]
        self.term_counts.replace(count_documents(texts.to_pylist()))

    def ids(self) -> list[str]:
        """Every asset id, in storage order."""
        return self.assets.search().select(["id"]).limit(None).to_arrow()["id"].to_pylist()

    def vectors(self, space: Space, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of some assets in a space (assets without one are left out)."""
        if not ids:
            return {}
        where = f"{in_list('id', ids)} AND {space.column} IS NOT NULL"
        table = self.assets.search().where(where).select(["id", space.column]).limit(len(ids)).to_arrow()
        if table.num_rows == 0:
            return {}
        return dict(zip(table["id"].to_pylist(), _matrix(table[space.column], space.dim), strict=True))

    def all_vectors(self, space: Space) -> tuple[list[str], np.ndarray]:
        """Every asset id with a vector in the space, and the (n, dim) matrix."""
        table = (
            self.assets.search()
            .where(f"{space.column} IS NOT NULL")
            .select(["id", space.column])
            .limit(None)
            .to_arrow()
        )
        ids = table["id"].to_pylist()
        if not ids:
            return [], np.zeros((0, space.dim), dtype=np.float32)
        return ids, _matrix(table[space.column], space.dim)

    # -- vocabulary (query expansion) --------------------------------------------------

    def _terms_table(self, space: Space) -> str:
        return f"terms_{space.name}"

    def term_vectors(self, space: Space, version: int | None = None) -> dict[str, np.ndarray]:
        """The library's vocabulary embedded in a text space, as last saved (or as saved at
        a version of its table, for a paged search pinned to the past)."""
        name = self._terms_table(space)
        if name not in self._db.list_tables().tables:
            return {}
        handle = self._db.open_table(name)
        if version is not None and version != handle.version:
            with contextlib.suppress(Exception):  # cleaned up since: the latest is the nearest
                handle.checkout(version)
        table = handle.to_arrow()
        if table.num_rows == 0:
            return {}
        return dict(zip(table["term"].to_pylist(), _matrix(table["vector"], space.dim), strict=True))

    def term_names(self, space: Space) -> set[str] | None:
        """The terms of a space's saved vocabulary (None: never saved), without their vectors."""
        name = self._terms_table(space)
        if name not in self._db.list_tables().tables:
            return None
        return set(
            self._db.open_table(name).search().select(["term"]).limit(None).to_arrow()["term"].to_pylist()
        )

    def update_terms(self, space: Space, added: Mapping[str, np.ndarray], removed: Iterable[str]) -> None:
        """Add terms to a space's vocabulary table and take others out: a commit each, so a
        growing library writes only what changed."""
        schema = pa.schema(
            [pa.field("term", pa.string()), pa.field("vector", pa.list_(pa.float32(), space.dim))]
        )
        data = pa.Table.from_pylist(
            [{"term": t, "vector": v.tolist()} for t, v in added.items()], schema=schema
        )
        name = self._terms_table(space)
        if name not in self._db.list_tables().tables:
            table = self._db.create_table(name, data=data, schema=schema)
        else:
            table = self._db.open_table(name)
            removed = list(removed)
            for start in range(0, len(removed), 500):
                table.delete(in_list("term", removed[start : start + 500]))
            if data.num_rows:
                table.add(data)
        # recorded in the manifest, so a reader's cached vocabulary keys on what it was built from
        self.set_meta(TERMS_KEY, {**(self.get_meta(TERMS_KEY) or {}), space.name: int(table.version)})

    def drop_terms(self, space: Space) -> None:
        name = self._terms_table(space)
        if name in self._db.list_tables().tables:
            self._db.drop_table(name)
        versions = self.get_meta(TERMS_KEY) or {}
        if versions.pop(space.name, None) is not None:
            self.set_meta(TERMS_KEY, versions)

    # -- files (incremental ingest) -----------------------------------------------------

    def file_states(self, paths: Sequence[str]) -> dict[str, FileState]:
        out: dict[str, FileState] = {}
        for start in range(0, len(paths), 500):
            chunk = paths[start : start + 500]
            for row in self.files.search().where(in_list("path", chunk)).limit(len(chunk)).to_list():
                out[row["path"]] = FileState(row["path"], row["size"], row["mtime_ns"], row["asset_id"])
        return out

    def file_states_under(self, folder: str) -> list[FileState]:
        """Every file record inside a folder (recursively)."""
        prefix = folder.rstrip("/") + "/"
        rows = self.files.search().where(f"starts_with(path, {quote(prefix)})").limit(None).to_list()
        return [FileState(r["path"], r["size"], r["mtime_ns"], r["asset_id"]) for r in rows]

    def file_states_of(self, ids: Sequence[str]) -> list[FileState]:
        """The file records that point at some assets."""
        out: list[FileState] = []
        for start in range(0, len(ids), 500):
            rows = (
                self.files.search().where(in_list("asset_id", ids[start : start + 500])).limit(None).to_list()
            )
            out += [FileState(r["path"], r["size"], r["mtime_ns"], r["asset_id"]) for r in rows]
        return out

    def delete_files(self, paths: Sequence[str]) -> None:
        for start in range(0, len(paths), 500):
            self.files.delete(in_list("path", paths[start : start + 500]))

    def upsert_files(self, states: Sequence[FileState]) -> None:
        if states:
            rows = [
                {"path": s.path, "size": s.size, "mtime_ns": s.mtime_ns, "asset_id": s.asset_id}
                for s in states
            ]
            self.files.merge_insert("path").when_matched_update_all().when_not_matched_insert_all().execute(
                rows
            )

    # -- assets -------------------------------------------------------------------------

    def count(self, where: str | None = None) -> int:
        return int(self.assets.count_rows(where))

    def rows(self, ids: Sequence[str], columns: list[str] | None = None) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        query = self.assets.search().where(in_list("id", ids)).limit(len(ids))
        if columns:
            query = query.select(columns)
        return {row["id"]: row for row in query.to_list()}

    def upsert_assets(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            replaced = self._texts([row["id"] for row in rows])
            (
                self.assets.merge_insert("id")
                .when_matched_update_all()
                .when_not_matched_insert_all()
                # a null vector is deliberate (nothing to embed); keep it null, don't reject the row
                .execute(pa.Table.from_pylist(rows, schema=self.assets.schema), on_bad_vectors="null")
            )
            self.term_counts.apply([row.get("embed_text") for row in rows], replaced.values())

    def update_paths(self, paths_by_id: dict[str, list[str]]) -> None:
        """Point assets at new locations without touching anything else (moves, copies). An
        asset left with no path keeps `path`, where it was last seen."""
        self.update_columns(
            [{"id": i, "path": paths[0], "paths": paths} for i, paths in paths_by_id.items() if paths]
        )
        self.update_columns([{"id": i, "paths": []} for i, paths in paths_by_id.items() if not paths])

    def delete_assets(self, ids: Sequence[str]) -> None:
        if ids:
            removed = self._texts(ids)
            self.assets.delete(in_list("id", ids))
            self.term_counts.apply((), removed.values())

    def find(self, ref: str) -> dict[str, Any] | None:
        """An asset by id, unique id prefix (>= MIN_ID_PREFIX chars), or path; None when nothing
        fits. AmbiguousRef: a hex prefix too short, or shared by several assets."""
        where = [f"id = {quote(ref)}", f"array_has(paths, {quote(ref)})"]
        resolved = os.path.abspath(Path(ref).expanduser()) if "://" not in ref else ref
        where.append(f"array_has(paths, {quote(resolved)})")
        for clause in where:
            rows = self.assets.search().where(clause).limit(1).to_list()
            if rows:
                return rows[0]
        prefix = ref.lower()
        if prefix and all(c in "0123456789abcdef" for c in prefix):
            shown = 5
            rows = self.assets.search().where(f"starts_with(id, {quote(prefix)})").limit(shown + 1).to_list()
            too_short = len(prefix) < MIN_ID_PREFIX
            if len(rows) > 1 or (rows and too_short):
                candidates = [(row["id"], (row["paths"] or ["(no file)"])[0]) for row in rows[:shown]]
                raise AmbiguousRef(ref, candidates, more=len(rows) > shown, too_short=too_short)
            if rows:
                return rows[0]
        return None

    def repair_duplicates(self) -> tuple[int, int]:
        """Keep one row per asset id and per file path (rows two unlocked writers once both
        inserted); returns how many asset rows and file rows were removed. Crash-safe: the
        rows kept are staged in their own table before the duplicates go, and a repair that
        was interrupted finishes from there."""
        assets = self._dedupe(self.assets, "id")
        if assets and self.term_counts.exists():
            self.recount_terms()
        return assets, self._dedupe(self.files, "path")

    def _dedupe(self, table: Any, key: str) -> int:
        staging = f"_repair_{table.name}"
        if staging in self._db.list_tables().tables:  # a repair interrupted after its delete
            self._restore_staged(table, key, staging)
        keys = table.search().select([key]).limit(None).to_arrow()[key]
        counts = pc.value_counts(keys)
        repeated = [
            v.as_py()
            for v, n in zip(counts.field("values"), counts.field("counts"), strict=True)
            if n.as_py() > 1
        ]
        if not repeated:
            return 0
        removed = 0
        for start in range(0, len(repeated), 500):
            chunk = repeated[start : start + 500]
            rows = table.search().where(in_list(key, chunk)).limit(None).to_arrow()
            first: dict[str, int] = {}
            for i, value in enumerate(rows[key].to_pylist()):
                first.setdefault(value, i)  # the copies hold the same content: keep the first
            kept = rows.take(sorted(first.values()))
            self._db.create_table(staging, data=kept, mode="overwrite")
            table.delete(in_list(key, chunk))
            table.add(kept)
            self._db.drop_table(staging)
            removed += rows.num_rows - kept.num_rows
        return removed

    def _restore_staged(self, table: Any, key: str, staging: str) -> None:
        staged = self._db.open_table(staging).to_arrow()
        keys = staged[key].to_pylist()
        if keys:
            found = table.search().where(in_list(key, keys)).select([key]).limit(None).to_arrow()
            present = set(found[key].to_pylist())
            missing = [i for i, value in enumerate(keys) if value not in present]
            if missing:
                table.add(staged.take(missing))
        self._db.drop_table(staging)

    def refresh_indexes(self) -> bool:
        """After a write: make any missing full-text and scalar index (cheap, and keyword
        search needs one), then `optimize` only when the write left a backlog (see
        OPTIMIZE_BACKLOG): a one-file ingest into a large library costs what the file costs.
        Whether it optimized."""
        if self.count() == 0:
            return False
        self._ensure_indexes()
        if self.backlog() < max(OPTIMIZE_BACKLOG, OPTIMIZE_SHARE * self.count()):
            return False
        self.optimize()
        return True

    def _ensure_indexes(self) -> None:
        for table, indexes in self._scalar_indexes():
            existing = {tuple(idx.columns) for idx in table.list_indices()}
            for column, config in indexes.items():
                if (column,) not in existing:
                    table.create_index(column, config=config, replace=True)

    def _scalar_indexes(self) -> list[tuple[Any, dict[str, Any]]]:
        return [
            (self.assets, {KEYWORD_COLUMN: KEYWORD_INDEX, **SCALAR_INDEXES}),
            (self.files, FILES_INDEXES),
        ]

    def fragments(self) -> int:
        """How many data files the assets table has (a write adds one; compaction merges)."""
        return int(self.assets.stats()["fragment_stats"]["num_fragments"])

    @property
    def ann_columns(self) -> set[str]:
        """The vector columns searched through an ANN index."""
        return set(self._ann_columns)

    def backlog(self) -> int:
        """How much a search or lookup scans beyond the indexes: the most rows any index of
        the assets lacks (a space due for its ANN index lacks all its vectors), or the
        small data files writes left (a scan opens each), in rows' worth."""
        unindexed = 0
        indexes = self.assets.list_indices()
        for idx in indexes:
            unindexed = max(unindexed, int(self.assets.index_stats(idx.name).num_unindexed_rows))
        unindexed = max([unindexed, *self._ann_due().values()])  # a due index holds no vector yet
        fragments = int(self.assets.stats()["fragment_stats"]["num_small_fragments"])
        return max(unindexed, fragments * FRAGMENT_ROWS)

    def _ann_due(self) -> dict[Space, int]:
        """The active spaces that hold ANN_MIN_VECTORS vectors but no ANN index yet, with
        their number of vectors."""
        if self.count() < ANN_MIN_VECTORS:
            return {}
        indexed = self._vector_indexed()
        vectors = {s: self.coverage(s) for s in self.active if s.column not in indexed}
        return {s: n for s, n in vectors.items() if n >= ANN_MIN_VECTORS}

    def optimize(self, compact: Compactor | None = None) -> None:
        """Make every index that is due (the ANN index once a space is large), fold new rows
        into the existing ones, compact data files (LanceDB's default: versions older than a
        week are pruned). `compact`: compacts the assets table's data files first, elsewhere
        (a cluster's workers); LanceDB's own pass then finds them compacted."""
        if compact is not None:
            compact(self.assets.to_lance().uri, self.storage_options)
        self._ensure_indexes()
        for space in self._ann_due():
            self.assets.create_index(space.column, config=IvfHnswSq(distance_type="cosine"), replace=True)
        for table in (self.assets, self.files):
            table.optimize()  # also folds new rows into the indexes
        self.term_counts.optimize()
        self._ann_columns = self._vector_indexed()

    # -- retrieval primitives (search/ composes them) -----------------------------------

    def vector_search(
        self, space: Space, vector: np.ndarray, where: str | None, k: int
    ) -> list[tuple[str, float]]:
        """(id, cosine similarity) of the k nearest assets in a space, best first: exact, or
        through the space's ANN index once it has one (see ANN_MIN_VECTORS)."""
        query = self.assets.search(vector, vector_column_name=space.column).distance_type("cosine")
        if space.column in self._ann_columns:
            # assets without a vector are not in the index; re-rank candidates exactly
            query = query.refine_factor(ANN_REFINE_FACTOR)
            if where:
                query = query.where(where, prefilter=True)
        else:
            exact = f"{space.column} IS NOT NULL" + (f" AND ({where})" if where else "")
            query = query.where(exact, prefilter=True)
        table = query.select(["id", "_distance"]).limit(k).to_arrow()
        ids = table["id"].to_pylist()
        return [(i, 1.0 - float(d)) for i, d in zip(ids, table["_distance"].to_pylist(), strict=True)]

    def keyword_search(self, text: str, where: str | None, k: int) -> list[tuple[str, float]]:
        """(id, BM25 score) of the k best full-text matches, best first."""
        query = self.assets.search(text, query_type="fts", fts_columns=KEYWORD_COLUMN)
        query = query.select(["id", "_score"]).limit(k)
        if where:
            query = query.where(where, prefilter=True)
        try:
            table = query.to_arrow()
        except Exception as exc:  # no FTS index yet (empty library) or a query the parser rejects
            if self.count() == 0:
                return []
            raise StoreError(f"full-text search failed for {text!r}: {exc}") from exc
        return list(zip(table["id"].to_pylist(), map(float, table["_score"].to_pylist()), strict=True))

    def keyword_matches(self, terms: Sequence[str], ids: Sequence[str]) -> dict[str, list[str]]:
        """Which of the terms the full-text index matches in each of the assets: asset id ->
        its terms, in term order (assets matching none are left out). Each distinct term is
        one phrase query restricted to the ids, analysed by the index itself (lower-cased,
        ascii-folded, stop words dropped, Snowball-stemmed), its words consecutive. A term
        with nothing the index looks for (only stop words) matches nothing, and so does one
        the index cannot run: no exception. Rows not yet folded into the index are searched
        too (LanceDB scans them with the same analyser), as `keyword_search` does."""
        unique_ids = list(dict.fromkeys(ids))
        if not terms or not unique_ids:
            return {}
        where = in_list("id", unique_ids)
        found: dict[str, list[str]] = {}
        for term in dict.fromkeys(terms):
            for asset_id, _ in self.phrase_search(term, where, len(unique_ids)):
                found.setdefault(asset_id, []).append(term)
        return found

    def phrase_search(self, phrase: str, where: str | None, k: int) -> list[tuple[str, float]]:
        """(id, BM25 score) of up to k assets whose keyword text holds the phrase, its words
        consecutive as the index analyses them; [] when the index cannot run it (none yet, or
        one built without positions)."""
        # slop 0: the words consecutive; granularity None: inferred from the index (rows)
        query = self.assets.search(
            PhraseQuery(phrase, KEYWORD_COLUMN, slop=0, document_granularity=None), query_type="fts"
        )
        query = query.select(["id", "_score"]).limit(k)
        if where:
            query = query.where(where, prefilter=True)
        try:
            table = query.to_arrow()
        except Exception:
            return []
        return list(zip(table["id"].to_pylist(), map(float, table["_score"].to_pylist()), strict=True))

    def column_rows(self, where: str | None, columns: list[str]) -> list[dict[str, Any]]:
        """Some columns of every asset matching a filter (facet counts)."""
        query = self.assets.search().select(columns).limit(None)
        if where:
            query = query.where(where)
        return query.to_arrow().to_pylist()

    def filter_ids(self, where: str | None, k: int) -> list[str]:
        """Ids matching a filter, newest first (for queries with filters and no text)."""
        query = self.assets.search().select(["id", "created_at"]).limit(None)
        if where:
            query = query.where(where)
        table = query.to_arrow().sort_by([("created_at", "descending")])
        return table["id"].to_pylist()[:k]
