"""Export a selection: one zip with the original files, `metadata.jsonl` (each asset as the
API shows it, raw metadata blocks included) and `records.parquet` (one flat row per asset,
for pandas, DuckDB, a spreadsheet). Files come from the paths the library recorded; ids are
the only thing a request names."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.parquet as pq
from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from latentdam.api.deps import ASSET_ID, LibraryDep, require
from latentdam.api.keys import Scope
from latentdam.export import FLAT_SCHEMA, flat_record
from latentdam.store.asset import Asset

MAX_EXPORT = 500  # assets in one export

router = APIRouter(tags=["assets"])


class ExportRequest(BaseModel):
    ids: list[Annotated[str, Field(pattern=ASSET_ID)]] = Field(min_length=1, max_length=MAX_EXPORT)


def _archive(assets: list[Asset]) -> tempfile.SpooledTemporaryFile[bytes]:
    """The zip, spooled to disk past 16 MB (a selection of originals can be large)."""
    out = tempfile.SpooledTemporaryFile(max_size=16 * 2**20)  # noqa: SIM115 - closed by _chunks, after the response
    used: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:  # images: compressed already
        for asset in assets:
            source = next((Path(p) for p in asset.paths if Path(p).is_file()), None)
            if source is None:
                continue  # moved since ingest: its record is still in the metadata
            name = source.name if source.name not in used else f"{asset.id[:12]}-{source.name}"
            used.add(name)
            archive.write(source, f"files/{name}")
        lines = "".join(json.dumps(a.model_dump(mode="json"), ensure_ascii=False) + "\n" for a in assets)
        archive.writestr("metadata.jsonl", lines)
        parquet = io.BytesIO()
        pq.write_table(pa.Table.from_pylist([flat_record(a) for a in assets], schema=FLAT_SCHEMA), parquet)
        archive.writestr("records.parquet", parquet.getvalue())
    out.seek(0)
    return out


def _chunks(spool: tempfile.SpooledTemporaryFile[bytes]) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(2**20):
            yield chunk


@router.post(
    "/v1/export",
    dependencies=[Depends(require(Scope.SEARCH))],
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/zip": {}}, "description": "files/, metadata.jsonl, records.parquet"}
    },
)
async def export(body: ExportRequest, lib: LibraryDep) -> StreamingResponse:
    """A zip of the selected assets: their files, metadata.jsonl and records.parquet."""

    def build() -> tempfile.SpooledTemporaryFile[bytes]:
        return _archive([lib.get(i) for i in dict.fromkeys(body.ids)])  # AssetNotFound: a 404

    spool = await run_in_threadpool(build)
    return StreamingResponse(
        _chunks(spool),
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="latentdam-export.zip"'},
    )
