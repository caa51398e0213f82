"""A library's records, for users who take them elsewhere: JSON Lines (each asset as the API
shows it, raw metadata blocks included), CSV or Parquet (one flat row per asset, for pandas,
DuckDB or a spreadsheet), optionally with the vectors of the active spaces.

Written batch by batch, so a library of any size exports in bounded memory, into a temporary
file renamed into place at the end: an export that fails or is interrupted leaves no half
file behind.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from latentdam.embed.space import Space
from latentdam.reports import ExportFormat, ExportReport, IngestProgress
from latentdam.store.asset import Asset, from_row
from latentdam.store.store import RESULT_COLUMNS, LibraryStore

BATCH = 1_000  # assets read and written at a time


# One flat row per asset: the columns of the CSV and Parquet exports, with their Arrow types.
FLAT_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("path", pa.string()),
        ("paths", pa.list_(pa.string())),
        ("format", pa.string()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("size", pa.int64()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("tool", pa.string()),
        ("prompt", pa.string()),
        ("negative_prompt", pa.string()),
        ("model", pa.string()),
        ("models", pa.list_(pa.string())),
        ("model_hash", pa.string()),
        ("loras", pa.list_(pa.string())),
        ("lora_weights", pa.list_(pa.float64())),
        ("controlnets", pa.list_(pa.string())),
        ("sampler", pa.string()),
        ("scheduler", pa.string()),
        ("steps", pa.int32()),
        ("cfg", pa.float64()),
        ("seed", pa.uint64()),
        ("gen_width", pa.int32()),
        ("gen_height", pa.int32()),
        ("tags", pa.list_(pa.string())),
    ]
)


def flat_record(asset: Asset) -> dict[str, Any]:
    """An asset as one flat row (FLAT_SCHEMA's columns)."""
    r = asset.record
    return {
        "id": asset.id,
        "path": asset.path,
        "paths": asset.paths,
        "format": asset.format,
        "width": asset.width,
        "height": asset.height,
        "size": asset.size,
        "created_at": asset.created_at,
        "tool": str(r.tool),
        "prompt": r.prompt,
        "negative_prompt": r.negative_prompt,
        "model": r.model,
        "models": r.diffusion_models(),
        "model_hash": r.model_hash,
        "loras": [lora.name for lora in r.loras],
        "lora_weights": [lora.weight for lora in r.loras],
        "controlnets": r.controlnets,
        "sampler": r.sampler,
        "scheduler": r.scheduler,
        "steps": r.steps,
        "cfg": r.cfg,
        "seed": r.seed,
        "gen_width": r.width,
        "gen_height": r.height,
        "tags": r.tags,
    }


def _assets(
    store: LibraryStore, where: str | None, spaces: Sequence[Space]
) -> Iterator[list[tuple[Asset, dict[str, Any]]]]:
    """Batches of (asset, its vectors by space name), in storage order."""
    columns = [*RESULT_COLUMNS, "raw_metadata", *(s.column for s in spaces)]  # an asset, as `get` has it
    query = store.assets.search().select(columns).limit(None)
    if where:
        query = query.where(where)
    for batch in query.to_batches(BATCH):
        rows = batch.to_pylist()
        yield [(from_row(row), {s.name: row.get(s.column) for s in spaces}) for row in rows]


def export_records(
    store: LibraryStore,
    out: Path,
    fmt: ExportFormat,
    *,
    spaces: Sequence[Space] = (),
    where: str | None = None,
    progress: IngestProgress | None = None,
) -> ExportReport:
    """Write every asset matching `where` to `out` (see the module's docstring)."""
    progress = progress or IngestProgress()
    started = time.perf_counter()
    report = ExportReport(path=str(out), format=fmt, vectors=[s.name for s in spaces])
    progress.start(store.count(where))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    try:
        with _Writer(partial, fmt, spaces) as write:
            for batch in _assets(store, where, spaces):
                if progress.cancelled:
                    report.cancelled = True
                    break
                write(batch)
                report.assets += len(batch)
                progress.advance(len(batch), report)
        if report.cancelled:
            partial.unlink(missing_ok=True)
        else:
            os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    report.seconds = time.perf_counter() - started
    return report


class _Writer:
    """A context manager that yields write(batch) for one format."""

    def __init__(self, path: Path, fmt: ExportFormat, spaces: Sequence[Space]) -> None:
        self.path, self.fmt, self.spaces = path, fmt, spaces
        self._file: IO[str] | None = None
        self._parquet: pq.ParquetWriter | None = None
        self._csv: Any = None

    def __enter__(self) -> Any:
        if self.fmt is ExportFormat.PARQUET:
            vectors = [pa.field(s.name, pa.list_(pa.float32(), s.dim)) for s in self.spaces]
            self._schema = pa.schema([*FLAT_SCHEMA, *vectors])
            self._parquet = pq.ParquetWriter(self.path, self._schema)
            return self._write_parquet
        self._file = self.path.open("w", encoding="utf-8", newline="")
        if self.fmt is ExportFormat.CSV:
            self._csv = csv.DictWriter(self._file, [*FLAT_SCHEMA.names, *(s.name for s in self.spaces)])
            self._csv.writeheader()
            return self._write_csv
        return self._write_jsonl

    def __exit__(self, *exc: object) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._file is not None:
            self._file.close()

    def _write_jsonl(self, batch: list[tuple[Asset, dict[str, Any]]]) -> None:
        assert self._file is not None
        for asset, vectors in batch:
            line = asset.model_dump(mode="json")
            if vectors:
                line["vectors"] = vectors
            self._file.write(json.dumps(line, ensure_ascii=False) + "\n")

    def _write_csv(self, batch: list[tuple[Asset, dict[str, Any]]]) -> None:
        for asset, vectors in batch:
            row = {**flat_record(asset), **vectors}
            # a list in one cell: JSON, which any tool reading the CSV can split exactly
            self._csv.writerow({k: json.dumps(v) if isinstance(v, list) else v for k, v in row.items()})

    def _write_parquet(self, batch: list[tuple[Asset, dict[str, Any]]]) -> None:
        assert self._parquet is not None
        rows = [{**flat_record(asset), **vectors} for asset, vectors in batch]
        self._parquet.write_table(pa.Table.from_pylist(rows, schema=self._schema))
