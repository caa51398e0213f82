"""The HTTP API over one library (`latentdam serve`): FastAPI, with the OpenAPI schema made
from the same pydantic models `Library` returns.

The models are loaded once, when the server starts; every model call and store read runs in
the thread pool, never on the event loop. No path from a request ever reaches the file
system: assets are addressed by id only, and files are served from the paths the library
itself recorded.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from pydantic import Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from latentdam.api import errors, explore, export, jobs, uploads
from latentdam.api.client import announce, withdraw
from latentdam.api.config import ServerConfig
from latentdam.api.deps import ASSET_ID, AssetId, LibraryDep, require
from latentdam.api.errors import ApiError, ErrorBody
from latentdam.api.keys import Scope
from latentdam.api.timeout import RequestTimeout
from latentdam.api.uploads import upload_folder
from latentdam.config import Settings
from latentdam.jobs import JobRunner
from latentdam.library import Library, LibraryStats
from latentdam.search.query import MAX_LIMIT, SearchQuery, invalid_query
from latentdam.search.result import SearchResult
from latentdam.search.variants import PromptVariants
from latentdam.store.asset import Asset
from latentdam.store.store import is_local, local_path
from latentdam.web import STATIC

_MEDIA = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


class SearchRequest(SearchQuery):
    """A search as posted: a SearchQuery, plus the id of a library asset to search by example
    (a query image of your own goes as multipart: fields `query`, this JSON, and `image`)."""

    image_asset: str | None = Field(default=None, pattern=ASSET_ID)


def create_app(
    settings: Settings, config: ServerConfig | None = None, library: Library | None = None
) -> FastAPI:
    """The API over the library in `settings` (or an open `library`, sharing its models)."""
    config = config or ServerConfig()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        lib = (
            library
            if library is not None
            else await run_in_threadpool(lambda: Library.open(settings=settings))
        )
        for space in lib.store.active:  # load every model now: the first search is fast too
            await run_in_threadpool(lib.embedders.get(space).load)
        app.state.library = lib
        runner = JobRunner(
            lib, roots=config.roots, uploads=upload_folder(lib, config), resume=config.resume_jobs
        )
        await run_in_threadpool(runner.start)  # resumes what a previous server left unfinished
        app.state.jobs = runner
        announcement = None
        if config.announce and is_local(lib.path):
            reachable = "127.0.0.1" if config.host in ("0.0.0.0", "::") else config.host
            announcement = announce(local_path(lib.path), f"http://{reachable}:{config.port}")
        try:
            yield
        finally:
            if announcement is not None:
                withdraw(announcement)
            # the running job stops after its batch and stays queued: the next server resumes it
            await run_in_threadpool(runner.close)

    # FastAPIOffline: FastAPI whose /docs and /redoc serve their scripts themselves (Swagger UI
    # from a CDN would leave /docs blank on an offline machine)
    app = FastAPIOffline(
        title="latentdam",
        summary="Search and browse a library of AI-generated images.",
        version="1",
        lifespan=lifespan,
        responses={422: {"model": ErrorBody}},
    )
    errors.install(app)
    app.state.config = config
    app.add_middleware(RequestTimeout, seconds=config.request_timeout)
    if config.cors_origins:  # off unless asked for: a browser elsewhere cannot call the API
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    app.include_router(jobs.router)
    app.include_router(uploads.router)
    app.include_router(export.router)
    app.include_router(explore.router)
    if library is not None:  # served before the lifespan runs too (ASGI test transports)
        app.state.library = library

    search_scope = [Depends(require(Scope.SEARCH))]

    @app.get("/v1/health", tags=["server"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post(
        "/v1/search",
        response_model=SearchResult,
        dependencies=search_scope,
        tags=["search"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/SearchRequest"}},
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "query": {"type": "string", "description": "a SearchRequest, as JSON"},
                                "image": {"type": "string", "format": "binary"},
                            },
                            "required": ["image"],
                        }
                    },
                },
            }
        },
    )
    async def search(request: Request, lib: LibraryDep) -> SearchResult:
        """Search by text, by example image, or both, under filters; page with `cursor`."""
        image: bytes | str | None = None
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            form = await request.form(max_files=1, max_fields=4, max_part_size=config.max_upload_bytes)
            raw = form.get("query") or "{}"
            upload = form.get("image")
            if not isinstance(raw, str):
                raise ApiError(422, "invalid_request", "query: must be a form field of JSON, not a file")
            if not isinstance(upload, UploadFile):
                raise ApiError(422, "invalid_request", "image: attach the query image as a file")
            image = await _read_limited(upload, config.max_upload_bytes)
        else:
            raw = (await _body_limited(request, config.max_upload_bytes)).decode("utf-8", "replace")
        try:
            posted = SearchRequest.model_validate(json.loads(raw or "{}"))
        except json.JSONDecodeError as exc:
            raise ApiError(422, "invalid_request", f"the body is not JSON ({exc.msg})") from None
        except ValidationError as exc:
            raise invalid_query(exc) from None
        if image is None and posted.image_asset is not None:
            image = posted.image_asset
        query = SearchQuery.model_validate(posted.model_dump(exclude={"image_asset"}))
        return await run_in_threadpool(lib.run, query, image)

    @app.get("/v1/assets/{asset_id}", response_model=Asset, dependencies=search_scope, tags=["assets"])
    def get_asset(asset_id: AssetId, lib: LibraryDep) -> Asset:
        """One asset, with every metadata block its file carried (`record.raw`)."""
        return lib.get(asset_id)

    @app.get(
        "/v1/assets/{asset_id}/thumbnail",
        dependencies=search_scope,
        tags=["assets"],
        response_class=Response,
        responses={200: {"content": {"image/webp": {}}}},
    )
    def thumbnail(asset_id: AssetId, lib: LibraryDep) -> Response:
        asset = lib.get(asset_id)
        if not asset.thumbnail:
            raise ApiError(404, "not_found", f"asset {asset.id[:12]} has no thumbnail")
        return Response(asset.thumbnail, media_type="image/webp", headers={"Cache-Control": "max-age=86400"})

    @app.get(
        "/v1/assets/{asset_id}/file",
        dependencies=search_scope,
        tags=["assets"],
        response_class=FileResponse,
        responses={200: {"content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}}}},
    )
    def file(asset_id: AssetId, lib: LibraryDep) -> Response:
        """The original file: from where the library last saw it, else (a library in a bucket)
        the library's own copy."""
        asset = lib.get(asset_id)
        media_type = _MEDIA.get(asset.format, "application/octet-stream")
        for location in asset.paths:  # recorded at ingest; never taken from the request
            if Path(location).is_file():
                return FileResponse(location, media_type=media_type)
        kept = lib.store.originals.get(asset.id) if lib.store.originals is not None else None
        if kept is not None:
            return Response(kept, media_type=media_type)
        raise ApiError(
            404,
            "file_gone",
            f"the file of asset {asset.id[:12]} is no longer where it was ingested",
            "ingest its new folder again",
        )

    @app.get(
        "/v1/assets/{asset_id}/similar",
        response_model=SearchResult,
        dependencies=search_scope,
        tags=["search"],
    )
    def similar(
        asset_id: AssetId, lib: LibraryDep, limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10
    ) -> SearchResult:
        """Assets that look like this one, most similar first."""
        return lib.similar(asset_id, limit=limit)

    @app.get(
        "/v1/assets/{asset_id}/variants",
        response_model=PromptVariants,
        dependencies=search_scope,
        tags=["assets"],
    )
    def variants(
        asset_id: AssetId, lib: LibraryDep, limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 24
    ) -> PromptVariants:
        """Same prompt, other seeds and models: the other assets made from exactly this
        asset's prompt, newest first, and which generation parameters vary among them."""
        return lib.variants(asset_id, limit=limit)

    @app.get("/v1/duplicates", dependencies=search_scope, tags=["assets"])
    def duplicates(
        lib: LibraryDep, threshold: Annotated[float | None, Query(gt=0, le=1)] = None
    ) -> dict[str, list[dict[str, list[str]]]]:
        """Groups of near-identical pictures (re-encoded, resized, slightly cropped copies)."""
        return {"groups": [g.to_dict() for g in lib.duplicates(threshold=threshold)]}

    @app.get("/v1/stats", response_model=LibraryStats, dependencies=search_scope, tags=["library"])
    def stats(lib: LibraryDep) -> LibraryStats:
        return lib.stats()

    @app.get("/v1/values/{field}", dependencies=search_scope, tags=["search"])
    def values(
        lib: LibraryDep,
        field: Annotated[str, PathParam(pattern=r"^(tool|model|lora|sampler|tag)$")],
        contains: Annotated[str, Query(max_length=200)] = "",
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> dict[str, dict[str, int]]:
        """The values a field holds in the library, most assets first, that contain a text
        (what the gallery suggests as `model:dre` is typed)."""
        return {"values": lib.values(field, contains, limit)}

    @app.get("/v1/spaces", dependencies=search_scope, tags=["library"])
    def spaces(lib: LibraryDep) -> dict[str, list[dict[str, Any]]]:
        """The embedding spaces: which model, how many assets embedded, which answer searches."""
        return {"spaces": [info.to_dict() for info in lib.spaces()]}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
            request = SearchRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, definition in request.pop("$defs", {}).items():
                components.setdefault(name, definition)
            components["SearchRequest"] = request
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    # last: the gallery answers every path the API does not (`/`, `/app.js`, ...)
    app.mount("/", StaticFiles(directory=STATIC, html=True), name="gallery")
    return app


async def _body_limited(request: Request, limit: int) -> bytes:
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise ApiError(413, "too_large", f"the request is over {limit // 2**20} MB", None)
    return bytes(data)


async def _read_limited(upload: UploadFile, limit: int) -> bytes:
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "too_large", f"the image is over {limit // 2**20} MB", "send a smaller file")
    return data
