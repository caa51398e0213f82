"""Every API error is JSON `{error, detail, hint}` with the right status; a 5xx never shows a
traceback (the server log has it)."""

from __future__ import annotations

import logging
from pathlib import PurePath

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from latentdam import errors

log = logging.getLogger("latentdam.api")


class ErrorBody(BaseModel):
    error: str  # a stable code: not_found, invalid_query, busy, ...
    detail: str  # what went wrong, naming the thing
    hint: str | None = None  # what to do about it


class ApiError(Exception):
    """An error the API raises itself (auth, limits)."""

    def __init__(self, status: int, error: str, detail: str, hint: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail, self.hint = status, error, detail, hint


# latentdam's own errors, most specific first: (type, status, code, hint)
_MAPPING: list[tuple[type[Exception], int, str, str | None]] = [
    (errors.AssetNotFound, 404, "not_found", None),
    (errors.AmbiguousRef, 422, "ambiguous_ref", None),
    (errors.UnknownSpace, 404, "unknown_space", "GET /v1/spaces lists them"),
    (errors.LibraryBusy, 409, "busy", "retry when the running job ends"),
    (errors.JobNotFound, 404, "not_found", None),
    (errors.PathNotAllowed, 403, "outside_roots", None),
    (errors.ImageTooLarge, 413, "image_too_large", None),
    (errors.ExtractError, 422, "unreadable_image", "send a PNG, JPEG or WebP file"),
    (errors.QueryError, 422, "invalid_query", None),
    (errors.ModelUnavailable, 503, "model_unavailable", None),
    (errors.LibraryNotFound, 503, "no_library", None),
]


def _body(status: int, error: str, detail: str, hint: str | None = None) -> JSONResponse:
    return JSONResponse(ErrorBody(error=error, detail=detail, hint=hint).model_dump(), status_code=status)


def _detail(exc: errors.LatentdamError) -> str:
    """The message; a file's error names the file as the client sent it (never a server path)."""
    if isinstance(exc, errors.ExtractError) and exc.path:
        return f"{PurePath(str(exc.path)).name}: {exc}"
    return str(exc)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return _body(exc.status, exc.error, exc.detail, exc.hint)

    @app.exception_handler(errors.LatentdamError)
    async def _ours(_: Request, exc: errors.LatentdamError) -> JSONResponse:
        for kind, status, code, hint in _MAPPING:
            if isinstance(exc, kind):
                return _body(status, code, _detail(exc), hint)
        log.exception("unexpected latentdam error", exc_info=exc)
        return _body(500, "internal", "the server could not do that; its log says why")

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
            problems.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg")))
        return _body(422, "invalid_request", "; ".join(problems), "GET /docs describes every field")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _body(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _crash(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return _body(500, "internal", "the server could not do that; its log says why")
