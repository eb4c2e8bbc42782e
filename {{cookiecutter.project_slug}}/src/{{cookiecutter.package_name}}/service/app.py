"""HTTP API (FastAPI) with the Gradio UI mounted at /ui: one process, one port, one pipeline."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, Any, Literal, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, BeforeValidator, Field, StrictBool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..core.errors import RagError
from ..core.settings import MODES
from ..pipeline.core import AskResult, Pipeline, QuestionError
from . import hardening
from .observability import Metrics, RequestIdFilter, request_id
from .reload import LivePipeline, admin_router

log = logging.getLogger("api")
log.addFilter(RequestIdFilter())
ModeName = Literal["bm25", "dense", "hybrid", "hybrid+rerank"]
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _json_integer(value: Any) -> Any:
    """JSON Schema integers only: 5 and 5.0, not true or "5" (pydantic's lax mode takes both)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be an integer")
    return value


# Not only whitespace, spelled out so JSON Schema (ECMA), pydantic (Rust) and str.strip() agree.
NON_BLANK = (
    r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
)
ChunkCount = Annotated[int, Field(ge=1, le=50), BeforeValidator(_json_integer)]


class AskRequest(BaseModel):
    model_config = {"extra": "forbid"}
    question: str = Field(
        min_length=1,
        max_length=10_000,
        pattern=NON_BLANK,
        description="The question (the input rail blocks over 2,000).",
    )
    mode: ModeName | None = Field(None, description=f"One of {', '.join(MODES)}.")
    k: ChunkCount | None = Field(None, description="Chunks given to the answerer.")
    stream: StrictBool = Field(False, description="Stream the answer as server-sent events.")


class SearchRequest(BaseModel):
    model_config = {"extra": "forbid"}
    query: str = Field(min_length=1, max_length=2000, pattern=NON_BLANK)
    k: ChunkCount | None = None
    mode: ModeName | None = None


class Citation(BaseModel):
    n: int
    doc_id: str
    chunk_id: str


class Retrieved(BaseModel):
    rank: int
    doc_id: str
    chunk_id: str
    title: str
    section: str
    text: str
    scores: dict[str, float]


class AskResponse(BaseModel):
    redactions: list[str]
    answer: str
    refused: bool
    blocked: bool
    reason: str | None
    citations: list[Citation]
    latency_ms: dict[str, float]
    mode: str
    reranked: bool
    provider: str
    usage: dict[str, Any]
    evidence: dict[str, float]
    notes: list[str]
    fallback: Literal["extractive"] | None = Field(
        None, description="Set when the LLM failed or was slow; the extractive answer is shown."
    )
    retrieved: list[Retrieved]
    cached: bool = Field(
        False, description="Served from the answer cache; latency_ms is then the lookup only."
    )


class SearchResponse(BaseModel):
    query: str
    mode: str
    reranked: bool
    notes: list[str]
    results: list[Retrieved]
    latency_ms: dict[str, float]
    redactions: list[str] = Field(
        default_factory=list, description="PII entity types removed from the passages."
    )


class ErrorResponse(BaseModel):
    error: str


LIMIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Unreadable body (not UTF-8 JSON)"},
    413: {"model": ErrorResponse, "description": "Request body over max_body_bytes"},
    422: {"model": ErrorResponse, "description": "Bad request"},
    429: {"model": ErrorResponse, "description": "Rate limit exceeded (see Retry-After)"},
    503: {"model": ErrorResponse, "description": "No usable index"},
}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        if err.get("type") == "json_invalid":
            return "the request body is not valid JSON"
        where = ".".join(str(x) for x in err.get("loc", ()) if x != "body") or "body"
        if err.get("type") == "string_pattern_mismatch":
            parts.append(f"{where}: must contain a character that is not whitespace")
            continue
        parts.append(f"{where}: {err.get('msg')}")
    return "; ".join(parts)


def create_app(pipeline: Pipeline, with_ui: bool = True) -> FastAPI:
    settings = pipeline.settings
    live = LivePipeline(pipeline)
    pipeline = cast(Pipeline, live)  # each call runs on the pipeline live when it starts
    metrics = Metrics()
    app = FastAPI(
        title=settings.project_name,
        version=__version__,
        description="Hybrid retrieval (BM25 + dense + RRF, optional cross-encoder) with cited answers.",
    )
    app.state.pipeline = pipeline
    app.state.metrics = metrics
    app.state.live = live
    hardening.install(app, settings)  # before request_context, which stays outermost

    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        incoming = request.headers.get("x-request-id", "")
        rid = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            request_id.reset(token)
        response.headers["X-Request-ID"] = rid
        endpoint = request.url.path if not request.url.path.startswith("/ui") else "/ui"
        metrics.requests.labels(endpoint=endpoint, status=str(response.status_code)).inc()
        if endpoint != "/ui":
            token = request_id.set(rid)
            log.info(
                "request",
                extra={
                    "fields": {
                        "method": request.method,
                        "path": request.url.path,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    }
                },
            )
            request_id.reset(token)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, _validation_message(exc))

    @app.exception_handler(QuestionError)
    async def bad_question(_: Request, exc: QuestionError) -> JSONResponse:
        return _error(422, str(exc))

    @app.exception_handler(RagError)
    async def rag_error(_: Request, exc: RagError) -> JSONResponse:
        return _error(503, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = str(exc.detail)
        if exc.status_code == 400 and "parsing the body" in detail:
            detail = "the request body could not be read: send UTF-8 encoded JSON"
        response = _error(exc.status_code, detail)
        response.headers.update(exc.headers or {})
        return response

    app.include_router(admin_router(live, hardening.admin_guard(settings)))

    def log_answer(data: dict[str, Any], question: str) -> None:
        metrics.observe_answer(data)
        log.info(
            "answer",
            extra={
                "fields": {
                    "question_chars": len(question),
                    "mode": data["mode"],
                    "refused": data["refused"],
                    "blocked": data["blocked"],
                    "reason": data["reason"],
                    "provider": data["provider"],
                    "citations": len(data["citations"]),
                    "latency_ms": data["latency_ms"],
                }
            },
        )

    @app.post(
        "/ask",
        response_model=AskResponse,
        responses={
            **LIMIT_RESPONSES,
            200: {"content": {"text/event-stream": {}}, "description": "JSON, or SSE if stream"},
        },
    )
    def ask(body: AskRequest) -> Any:
        """Answer from the documents with citations, or refuse; `stream=true` sends SSE."""
        if body.stream:
            return StreamingResponse(_stream(body), media_type="text/event-stream")
        data = pipeline.ask(body.question, body.mode, body.k).to_json()
        log_answer(data, body.question)
        return data

    def _stream(body: AskRequest) -> Iterator[str]:
        try:
            for piece in pipeline.ask_stream(body.question, body.mode, body.k):
                if isinstance(piece, AskResult):
                    data = piece.to_json()
                    log_answer(data, body.question)
                    yield f"event: result\ndata: {json.dumps(data)}\n\n"
                else:
                    yield f"event: token\ndata: {json.dumps({'text': piece})}\n\n"
        except RagError as exc:
            yield f"event: error\ndata: {json.dumps({'error': str(exc)})}\n\n"

    @app.post("/search", response_model=SearchResponse, responses=LIMIT_RESPONSES)
    def search(body: SearchRequest) -> Any:
        """Ranked chunks with the score each stage gave them."""
        result = pipeline.search_redacted(body.query, body.mode, body.k)
        data = result.to_json()
        metrics.observe_stages(data["latency_ms"])
        metrics.observe_redactions(result.redactions)
        return data

    @app.get("/health")
    def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/ready")
    def ready() -> dict[str, Any]:
        """Readiness: the index and models that are loaded, and what is unavailable and why."""
        return {"ready": True, **pipeline.status()}

    @app.get("/metrics", response_class=PlainTextResponse)
    def prometheus() -> Response:
        """Prometheus metrics: requests, per-stage latency, refusals, guardrail blocks."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    if with_ui:
        import gradio as gr

        from .ui import build_ui

        app = gr.mount_gradio_app(app, build_ui(pipeline), path="/ui")
    hardening.install_cors(app, settings)
    return app
