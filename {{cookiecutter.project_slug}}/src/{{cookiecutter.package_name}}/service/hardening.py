"""Service hardening: body-size limit, per-client rate limit, closed CORS, admin API key.

Each piece is a plain ASGI middleware or a FastAPI dependency, configured by settings
(see docs/reliability.md). Errors are the API's usual one-line JSON ``{"error": ...}``.
"""

from __future__ import annotations

import hmac
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..core.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ADMIN_KEY_ENV = "RAG_ADMIN_API_KEY"
RATE_LIMITED_PREFIXES = ("/ask", "/search", "/admin")
MAX_TRACKED_CLIENTS = 10_000
_BEARER = HTTPBearer(auto_error=False, description=f"Bearer <{ADMIN_KEY_ENV}>")


async def send_json(
    send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    data = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


class BodySizeLimit:
    """413 for a body over ``max_bytes``: by Content-Length up front, or while it streams in."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"request body too large: the limit is {self.max_bytes} bytes"
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                await send_json(send, 400, {"error": "invalid Content-Length header"})
                return
            if too_big:
                await send_json(send, 413, {"error": message})
                return
        seen = 0
        started = False
        refused = False

        async def limited_receive() -> Message:
            nonlocal seen, refused
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    if not started and not refused:
                        refused = True
                        await send_json(send, 413, {"error": message})
                    return {"type": "http.disconnect"}  # the app stops reading
            return msg

        async def tracking_send(msg: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 already went out; drop the app's own error response
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        await self.app(scope, limited_receive, tracking_send)


class TokenBucket:
    """Per-key token buckets: ``rate`` tokens a second, at most ``burst``; LRU-bounded."""

    def __init__(self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0.0 if a request may go now (and count it), else seconds until one may."""
        now = self.clock()
        with self._lock:
            tokens, last = self.buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self.buckets[key] = (tokens, now)
            while len(self.buckets) > MAX_TRACKED_CLIENTS:
                self.buckets.popitem(last=False)
        return wait


class RateLimit:
    """429 with Retry-After when a client IP exceeds its bucket on the costly endpoints."""

    def __init__(self, app: ASGIApp, per_minute: int, burst: int):
        self.app = app
        self.bucket = TokenBucket(per_minute, burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(RATE_LIMITED_PREFIXES):
            client = scope.get("client")
            wait = self.bucket.take(client[0] if client else "unknown")
            if wait > 0:
                retry = max(1, math.ceil(wait))
                await send_json(
                    send,
                    429,
                    {"error": f"rate limit exceeded: retry in {retry} s"},
                    {"Retry-After": str(retry)},
                )
                return
        await self.app(scope, receive, send)


def install(app: FastAPI, settings: Settings) -> None:
    """Add the limits to ``app`` (call before other middleware so those stay outermost) and the
    admin key that ``require_admin`` checks."""
    app.state.admin_key = (
        settings.admin_api_key.get_secret_value() if settings.admin_api_key else ""
    )
    if settings.rate_limit_per_minute > 0:
        app.add_middleware(
            RateLimit, per_minute=settings.rate_limit_per_minute, burst=settings.rate_limit_burst
        )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)


def install_cors(app: FastAPI, settings: Settings) -> None:
    """CORS only for the configured origins; with none configured no CORS header is ever sent."""
    if settings.cors_allow_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_allow_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Authorization", "X-Request-ID"],
            allow_credentials=False,
        )


def require_admin(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
) -> None:
    """A dependency that lets a request through only with the admin key (constant-time check);
    ``install`` puts the configured key on the app."""
    key: str = request.app.state.admin_key
    if not key:
        raise HTTPException(403, f"admin endpoints are disabled: set {ADMIN_KEY_ENV} on the server")
    given = credentials.credentials if credentials is not None else ""
    if not hmac.compare_digest(given.strip().encode(), key.encode()):
        raise HTTPException(401, "missing or wrong admin key: send Authorization: Bearer <key>")
