"""HTTP API (FastAPI) with the Gradio UI mounted at /ui: one process, one port, one pipeline.

``create_app`` wires the pieces: hardening middleware, the request-id middleware, one-line JSON
errors, the routers in ``routes/`` and the UI. The live pipeline and the metrics live on
``app.state`` and reach the routes as dependencies (``deps``)."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import nullcontext

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..core import tracing
from ..core.errors import RagError
from ..pipeline import Pipeline, QuestionError
from . import hardening, routes
from .feedback import Feedback
from .observability import Metrics, RequestIdFilter, request_id
from .reload import LivePipeline
from .wire import error, validation_message

log = logging.getLogger("api")
log.addFilter(RequestIdFilter())
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def create_app(pipeline: Pipeline, with_ui: bool = True) -> FastAPI:
    settings = pipeline.settings
    live = LivePipeline(pipeline)
    metrics = Metrics(settings.quality_window, settings.query_log)
    app = FastAPI(
        title=settings.project_name,
        version=__version__,
        description="Hybrid retrieval (BM25 + dense + RRF, optional cross-encoder) with cited answers.",
    )
    app.state.live = live
    app.state.metrics = metrics
    app.state.feedback = Feedback(pipeline, metrics)
    hardening.install(app, settings)  # before request_context, which stays outermost
    _install_request_context(app, metrics)
    _install_error_handlers(app)
    for router in (routes.answers, routes.feedback, routes.probes, routes.admin):
        app.include_router(router)
    if with_ui:
        import gradio as gr

        from .ui import build_ui

        app = gr.mount_gradio_app(app, build_ui(live, app.state.feedback), path="/ui")
    hardening.install_cors(app, settings)
    return app


def _install_request_context(app: FastAPI, metrics: Metrics) -> None:
    """Every response carries X-Request-ID (the caller's if well-formed) and is counted and logged;
    with tracing on, each request outside the UI is a span, named in X-Trace-ID."""

    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        incoming = request.headers.get("x-request-id", "")
        rid = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        path = request.url.path
        endpoint = path if not path.startswith("/ui") else "/ui"
        traced = tracing.enabled() and endpoint != "/ui"
        span = tracing.RequestSpan(request.method, path, request.headers) if traced else None
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            # The span is current while the app runs: the stages of a sync endpoint (run in the
            # thread pool with a copy of this context) and of a streamed answer nest under it.
            with span or nullcontext():
                response = await call_next(request)
                response.headers["X-Request-ID"] = rid
                metrics.requests.labels(endpoint=endpoint, status=str(response.status_code)).inc()
                if endpoint != "/ui":
                    log.info(
                        "request",
                        extra={
                            "fields": {
                                "method": request.method,
                                "path": path,
                                "status": response.status_code,
                                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                            }
                        },
                    )
                if span is not None:
                    route = request.scope.get("route")
                    span.responded(response.status_code, getattr(route, "path", None))
                    response.headers["X-Trace-ID"] = span.trace_id
                    # call_next hands the body over as an iterator read after this returns.
                    response.body_iterator = span.until_sent(response.body_iterator)  # type: ignore[attr-defined]
        finally:
            request_id.reset(token)
        return response


def _install_error_handlers(app: FastAPI) -> None:
    """Every error is one JSON line ``{"error": ...}`` with the right status."""

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error(422, validation_message(exc))

    @app.exception_handler(QuestionError)
    async def bad_question(_: Request, exc: QuestionError) -> JSONResponse:
        return error(422, str(exc))

    @app.exception_handler(RagError)
    async def rag_error(_: Request, exc: RagError) -> JSONResponse:
        return error(503, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = str(exc.detail)
        if exc.status_code == 400 and "parsing the body" in detail:
            detail = "the request body could not be read: send UTF-8 encoded JSON"
        response = error(exc.status_code, detail)
        response.headers.update(exc.headers or {})
        return response
