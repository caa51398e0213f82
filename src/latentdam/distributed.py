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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from latentdam.embed.pool import EmbedderPool
from latentdam.embed.space import Space
from latentdam.embed.vectors import embed_assets
from latentdam.extract.file import ExtractedFile
from latentdam.extract.pool import ReaderPool, ReadOptions
from latentdam.extract.text import embedding_text
from latentdam.extras import needs
from latentdam.ingest import Plan, PlannedBatch, Read, Stages

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
        self.started = False  # whether this ingest started Ray (and so shuts it down)
        self.current: PlannedBatch | None = None
        self.rows: Iterator[dict[str, Any]] = iter(())

    def __enter__(self) -> _RayStages:
        ray = _ray()
        if not ray.is_initialized():
            quiet = {"log_to_driver": False, "configure_logging": True, "logging_level": logging.ERROR}
            with warnings.catch_warnings():
                # Ray starts its processes by fork+exec; LanceDB warns of any fork, needlessly here
                warnings.filterwarnings("ignore", "lancedb fork support", RuntimeWarning)
                if self.engine.address is None:
                    ray.init(num_cpus=self.engine.cpus, include_dashboard=False, **quiet)
                else:
                    ray.init(address=self.engine.address, **quiet)
            self.started = True
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True  # batches come back in commit order
        context.enable_progress_bars = False  # the ingest's own bar counts the files
        logging.getLogger("ray.data").setLevel(logging.ERROR)  # its info lines are not for users
        return self

    def __exit__(self, *exc: object) -> None:
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()  # stops the dataset's execution if the ingest stopped early
        if self.started:
            _ray().shutdown()

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
        resources = ray.cluster_resources()
        gpus = int(resources.get("GPU", 0))
        actors = self.engine.embedders or max(1, gpus or int(resources.get("CPU", 1)) // CPUS_PER_EMBEDDER)
        options = self.reader.options
        dataset = (
            ray.data.from_items(work, override_num_blocks=len(work))  # a batch per block
            # a read's memory, declared, also keeps Ray from fusing the reads into the
            # embedding actors (their resources differ), which would serialise the reads
            .map(_Read(options, self.reader.timeout), num_cpus=1, memory=READ_MEMORY)
            .map_batches(
                _Embed,
                fn_constructor_args=([s.to_dict() for s in self.spaces], "cuda" if gpus else None),
                batch_size=1,
                compute=ray.data.ActorPoolStrategy(size=min(actors, len(work))),
                num_cpus=0 if gpus else 1,
                num_gpus=1 if gpus else 0,
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
