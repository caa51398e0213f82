"""Uploads: images sent to the server land in the library's managed upload folder and are
ingested by a job. Identity is the content hash, as at ingest: a picture the library already
has is not stored again (200), new ones are (201). File names from the request only name the
file inside a folder of its own hash: nothing in a request chooses where it is written."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from latentdam.api.config import ServerConfig
from latentdam.api.deps import ConfigDep, LibraryDep
from latentdam.api.errors import ApiError
from latentdam.api.jobs import RunnerDep, WriterKey
from latentdam.extract.file import ExtractedFile, extract_bytes
from latentdam.jobs import IngestJob, Job
from latentdam.library import Library
from latentdam.store.store import is_local, local_path

_SUFFIX = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}
_UNSAFE = re.compile(r"[^\w.\- ]+")

router = APIRouter(tags=["uploads"])


class UploadedFile(BaseModel):
    name: str = Field(description="the file name as sent")
    id: str = Field(description="the asset id it has (or will have, once its job ran)")
    status: Literal["new", "exists", "queued"] = Field(
        description="new: stored now; exists: the library has it; queued: sent before, not yet ingested"
    )


class UploadResult(BaseModel):
    files: list[UploadedFile]
    job: Job | None = Field(description="the ingest job for the files not yet in the library")


def upload_folder(library: Library, config: ServerConfig) -> Path | None:
    """Where this server keeps uploads: its --upload-dir, else `uploads` in a local library."""
    if config.upload_dir is not None:
        return config.upload_dir
    return local_path(library.path) / "uploads" if is_local(library.path) else None


def _safe_name(sent: str | None, image_format: str) -> str:
    stem = _UNSAFE.sub("_", Path((sent or "").replace("\\", "/")).stem).strip(" ._")[:100]
    return (stem or "upload") + _SUFFIX[image_format]


def _check(library: Library, sent: str | None, data: bytes) -> ExtractedFile:
    """The image read as ingest reads it (so a file ingest would refuse is refused now)."""
    return extract_bytes(data, Path(sent or "upload"), max_pixels=library.max_pixels, thumbnail_size=16)


def _place(
    library: Library, folder: Path, sent: str | None, data: bytes, item: ExtractedFile
) -> tuple[UploadedFile, str | None]:
    """Store a checked image unless the library (or the upload folder) has it already."""
    name = sent or "upload"
    if library.store.rows([item.id], columns=["id"]):
        return UploadedFile(name=name, id=item.id, status="exists"), None
    home = folder / item.id[:16]
    existing = sorted(home.glob("*")) if home.is_dir() else []
    if existing:  # sent before; its ingest job has not (yet) added it
        return UploadedFile(name=name, id=item.id, status="queued"), str(existing[0])
    home.mkdir(parents=True, exist_ok=True)
    target = home / _safe_name(sent, item.format)
    with tempfile.NamedTemporaryFile(dir=home, prefix=".part-", delete=False) as out:
        out.write(data)
    os.replace(out.name, target)  # never a half-written file under its real name
    return UploadedFile(name=name, id=item.id, status="new"), str(target)


@router.post(
    "/v1/uploads",
    status_code=201,
    response_model=UploadResult,
    responses={200: {"model": UploadResult, "description": "every file was in the library already"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "files": {"type": "array", "items": {"type": "string", "format": "binary"}}
                        },
                        "required": ["files"],
                    }
                }
            },
        }
    },
)
async def upload(
    request: Request, lib: LibraryDep, config: ConfigDep, runner: RunnerDep, key: WriterKey
) -> JSONResponse:
    """Upload PNG, JPEG or WebP files (multipart, any field name); each is checked as ingest
    checks files, stored once by content hash, and ingested by the job returned."""
    folder = upload_folder(lib, config)
    if folder is None:
        raise ApiError(
            409, "no_upload_folder", "this server keeps no upload folder", "start it with --upload-dir DIR"
        )
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(415, "unsupported_media_type", "send the files as multipart/form-data")
    form = await request.form(
        max_files=config.max_upload_files, max_fields=8, max_part_size=config.max_upload_bytes
    )
    sent = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
    if not sent:
        raise ApiError(422, "invalid_request", "no file in the upload", "attach images as multipart files")
    contents: list[tuple[str | None, bytes]] = []
    for upload_file in sent:
        data = await upload_file.read(config.max_upload_bytes + 1)
        if len(data) > config.max_upload_bytes:
            raise ApiError(
                413, "too_large", f"{upload_file.filename}: over {config.max_upload_bytes // 2**20} MB", None
            )
        contents.append((upload_file.filename, data))

    def place_all() -> tuple[list[UploadedFile], list[str]]:
        # every file is checked before any is stored: a bad one fails the request, naming it
        checked = [(name, data, _check(lib, name, data)) for name, data in contents]
        folder.mkdir(parents=True, exist_ok=True)
        placed = [_place(lib, folder, name, data, item) for name, data, item in checked]
        paths = [path for _, path in placed if path is not None]
        return [p for p, _ in placed], list(dict.fromkeys(paths))  # the same file twice: once

    files, to_ingest = await run_in_threadpool(place_all)
    job = None
    if to_ingest:
        job = await run_in_threadpool(
            lambda: runner.submit(
                IngestJob(paths=to_ingest), requested_by=key.id if key else None, origin="upload"
            )
        )
    status = 201 if any(f.status == "new" for f in files) else 200
    return JSONResponse(UploadResult(files=files, job=job).model_dump(mode="json"), status_code=status)
