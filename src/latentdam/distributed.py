"""Ingest on a Ray cluster: Ray Data reads the files in tasks and embeds them in actors.

The pipeline is the local one spread over machines (`latentdam ingest --engine ray`):

    plan (this process: stat, diff against the files table)
      → read: one Ray task per batch, each file in a reader process under its time budget
      → embed: `map_batches` over actors that keep the models loaded (one per GPU if the
        cluster has GPUs, each on its GPU; else one per four CPUs)
      → commit (this process, the library's one writer, batch by batch as locally)

Each dataset row is one commit batch, and the embedders see the batch's distinct contents in
read order: exactly the texts and images a local commit embeds. So a fresh ingest gives the
same records, vectors to the bit, as a local one; planning and committing are the local
code. The workers need the files (a shared folder or the same paths on every node) and
latentdam with the models' extras installed; Ray ships nothing but the work.
"""

from __future__ import annotations

import logging
import pickle
import warnings
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from latentdam.embed import load_embedder
from latentdam.embed.pool import EmbedderPool
from latentdam.embed.space import Space
from latentdam.embed.vectors import embed_assets
from latentdam.extract.file import ExtractedFile
from latentdam.extract.pool import ReaderPool, ReadOptions
from latentdam.extract.text import embedding_text
from latentdam.extras import needs
from latentdam.ingest import Plan, PlannedBatch, Read, Stages
from latentdam.migrate import COLUMNS, Backfilled, embed_rows
from latentdam.store.store import LibraryStore

__all__ = ["RayEngine", "embed_batch"]

# A read task holds one decoded image at a time, at most --max-megapixels (100 MP by default)
# of RGBA: about 400 MB, and the batch's small embedding copies.
READ_MEMORY = 512 * 2**20
CPUS_PER_EMBEDDER = 4  # a CPU embedder's torch threads use about this many cores well


def _ray() -> Any:
    with needs("distributed", "the Ray engine (--engine ray)"):
        import ray
        import ray.data
    return ray


def _lance_ray() -> Any:
    with needs("distributed", "the Ray engine (--engine ray)"):
        import lance_ray
    return lance_ray


def embed_batch(outcomes: Sequence[Read], spaces: Sequence[Space], embedders: EmbedderPool) -> None:
    """Embed a batch's files in every space, in place, as a local commit would: each content
    once, the first of its files, in read order (copies share the first one's vectors)."""
    first: dict[str, ExtractedFile] = {}
    for _, outcome in outcomes:
        if isinstance(outcome, ExtractedFile) and outcome.id not in first:
            first[outcome.id] = outcome
    items = list(first.values())
    if not items:
        return
    texts = [embedding_text(item.record) for item in items]
    for space in spaces:
        vectors = embed_assets(embedders.get(space), texts, [item.pixels for item in items])
        for item, vector in zip(items, vectors, strict=True):
            item.vectors[space.column] = vector
    for item in items:
        item.pixels = None  # embedded: no need to ship the pixels back to the committing process


class _Read:
    """A Ray task's reading of one batch: the local reader pool with one worker, so a file
    that hangs or crashes its decoder costs that file only, as locally."""

    def __init__(self, options: ReadOptions, timeout: float) -> None:
        self.options, self.timeout = options, timeout

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        reader = ReaderPool(self.options, workers=1, timeout=self.timeout)
        outcomes = list(reader.read(list(row["paths"])))
        return {"batch": row["batch"], "outcomes": pickle.dumps(outcomes)}


class _Embed:
    """An actor holding the spaces' embedders loaded, embedding batch after batch."""

    def __init__(self, spaces: list[dict[str, Any]], device: str | None) -> None:
        self.spaces = [Space.from_dict(space) for space in spaces]
        self.embedders = EmbedderPool(device)

    def __call__(self, rows: dict[str, Any]) -> dict[str, Any]:
        embedded = []
        for blob in rows["outcomes"]:
            outcomes = pickle.loads(blob)
            embed_batch(outcomes, self.spaces, self.embedders)
            embedded.append(pickle.dumps(outcomes))
        return {"batch": list(rows["batch"]), "outcomes": embedded}


def _device(ray: Any) -> str | None:
    return "cuda" if ray.cluster_resources().get("GPU", 0) else None


def _actors(ray: Any, engine: RayEngine, work: int) -> dict[str, Any]:
    """The embedding actors' pool and resources: one per GPU, else one per four CPUs (or
    `engine.embedders`), never more than there is work for."""
    resources = ray.cluster_resources()
    gpus = int(resources.get("GPU", 0))
    size = engine.embedders or max(1, gpus or int(resources.get("CPU", 1)) // CPUS_PER_EMBEDDER)
    return {
        "compute": ray.data.ActorPoolStrategy(size=max(1, min(size, work))),
        "num_cpus": 0 if gpus else 1,
        "num_gpus": 1 if gpus else 0,
    }


@contextmanager
def _connected(engine: RayEngine) -> Iterator[Any]:
    """Ray, connected to the engine's cluster (or to a local one started here, and shut down
    at the end); Ray Data set to keep order and stay quiet."""
    ray = _ray()
    started = False
    if not ray.is_initialized():
        quiet = {"log_to_driver": False, "configure_logging": True, "logging_level": logging.ERROR}
        with warnings.catch_warnings():
            # Ray starts its processes by fork+exec; LanceDB warns of any fork, needlessly here
            warnings.filterwarnings("ignore", "lancedb fork support", RuntimeWarning)
            if engine.address is None:
                ray.init(num_cpus=engine.cpus, include_dashboard=False, **quiet)
            else:
                ray.init(address=engine.address, **quiet)
        started = True
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # batches come back in commit order
    context.enable_progress_bars = False  # the command's own bar counts the work
    logging.getLogger("ray.data").setLevel(logging.ERROR)  # its info lines are not for users
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()


class _Backfill:
    """An actor embedding stored assets into one space (a migration's backfill)."""

    def __init__(self, space: dict[str, Any], device: str | None, max_pixels: int) -> None:
        self.embedder = load_embedder(Space.from_dict(space), device)
        self.max_pixels = max_pixels

    def __call__(self, rows: pa.Table) -> dict[str, Any]:
        batch = embed_rows(self.embedder, rows.to_pylist(), self.max_pixels)
        return {"backfilled": [pickle.dumps(batch)]}


@dataclass(slots=True)
class RayEngine:
    """Read and embed on a Ray cluster: `address` as `ray.init` takes it ("auto": the cluster
    this machine is part of; "ray://host:10001": a remote one); None starts a local cluster
    on this machine's cores for the ingest (no dashboard). `embedders`: how many embedding
    actors (default: one per GPU, else one per four CPUs)."""

    address: str | None = None
    embedders: int | None = None
    cpus: int | None = None  # a local cluster's CPUs (default: all of this machine's)
    name: str = field(default="ray", init=False)

    def stages(
        self, plan: Plan, reader: ReaderPool, spaces: Sequence[Space], batches: list[list[str]]
    ) -> Stages:
        return _RayStages(self, plan, reader, list(spaces), batches)

    def compact(self, uri: str, storage_options: Mapping[str, str]) -> None:
        """Compact a Lance dataset's data files with lance-ray: the compaction plan's tasks
        run on the cluster's workers, and one commit replaces the files."""
        with _connected(self) as ray:
            workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
            _lance_ray().compact_files(
                uri, storage_options=dict(storage_options) or None, num_workers=workers
            )

    def backfill(
        self, store: LibraryStore, space: Space, *, batch_size: int, max_pixels: int
    ) -> Generator[Backfilled]:
        """A migration's backfill: lance-ray reads the assets still without a vector in
        `space` from the table's fragments in parallel; actors embed them batch by batch."""
        with _connected(self) as ray:
            missing = store.count(f"{space.column} IS NULL")
            if not missing:
                return
            dataset = (
                _lance_ray()
                .read_lance(
                    store.assets.to_lance().uri,
                    columns=COLUMNS,
                    filter=f"{space.column} IS NULL",
                    storage_options=store.storage_options or None,
                )
                .map_batches(
                    _Backfill,
                    fn_constructor_args=(space.to_dict(), _device(ray), max_pixels),
                    batch_size=batch_size,
                    batch_format="pyarrow",
                    **_actors(ray, self, -(-missing // batch_size)),
                )
            )
            rows = dataset.iter_rows()
            try:
                for row in rows:
                    yield pickle.loads(row["backfilled"])
            finally:
                close = getattr(rows, "close", None)
                if close is not None:
                    close()


class _RayStages:
    def __init__(
        self,
        engine: RayEngine,
        plan: Plan,
        reader: ReaderPool,
        spaces: list[Space],
        batches: list[list[str]],
    ) -> None:
        self.engine, self.plan, self.reader, self.spaces = engine, plan, reader, spaces
        self.batches = batches
        self.cluster = _connected(engine)
        self.current: PlannedBatch | None = None
        self.rows: Iterator[dict[str, Any]] = iter(())

    def __enter__(self) -> _RayStages:
        self.cluster.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()  # stops the dataset's execution if the ingest stopped early
        self.cluster.__exit__(None, None, None)

    def __iter__(self) -> Iterator[PlannedBatch]:
        planned = [self.plan(paths) for paths in self.batches]  # cheap: stat and one lookup
        self.rows = self._dataset(planned)
        for batch in planned:
            self.current = batch
            yield batch

    def _dataset(self, planned: list[PlannedBatch]) -> Iterator[dict[str, Any]]:
        ray = _ray()
        work = [{"batch": i, "paths": p.to_read} for i, p in enumerate(planned) if p.to_read]
        if not work:
            return iter(())
        options = self.reader.options
        dataset = (
            ray.data.from_items(work, override_num_blocks=len(work))  # a batch per block
            # a read's memory, declared, also keeps Ray from fusing the reads into the
            # embedding actors (their resources differ), which would serialise the reads
            .map(_Read(options, self.reader.timeout), num_cpus=1, memory=READ_MEMORY)
            .map_batches(
                _Embed,
                fn_constructor_args=([s.to_dict() for s in self.spaces], _device(ray)),
                batch_size=1,
                **_actors(ray, self.engine, len(work)),
            )
        )
        return iter(dataset.iter_rows())

    def outcomes(self) -> Iterator[Read]:
        assert self.current is not None, "outcomes() before a batch's plan"
        if not self.current.to_read:
            return
        row = next(self.rows)
        yield from pickle.loads(row["outcomes"])

    def committed(self) -> None:
        pass  # Ray's streaming executor keeps the pipeline full on its own (backpressure)
