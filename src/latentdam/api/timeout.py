"""The request-time limit: a request that takes longer gets a JSON 503 instead of holding a
client forever. Progress streams are long by design and exempt."""

from __future__ import annotations

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from latentdam.api.errors import ErrorBody

log = logging.getLogger("latentdam.api")


class RequestTimeout:
    def __init__(self, app: ASGIApp, seconds: float, exempt_suffix: str = "/events") -> None:
        self.app, self.seconds, self.exempt_suffix = app, seconds, exempt_suffix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].endswith(self.exempt_suffix):
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await asyncio.wait_for(self.app(scope, receive, tracked), self.seconds)
        except TimeoutError:
            log.warning("%s %s took over %.0f s; answered 503", scope["method"], scope["path"], self.seconds)
            if started:  # too late for a status: the client sees a cut-off response
                return
            body = ErrorBody(
                error="timeout",
                detail=f"the request took over {self.seconds:g} s",
                hint="narrow the request (a smaller limit, fewer files) or try again",
            ).model_dump_json()
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [(b"content-type", b"application/json"), (b"retry-after", b"5")],
                }
            )
            await send({"type": "http.response.body", "body": body.encode()})
