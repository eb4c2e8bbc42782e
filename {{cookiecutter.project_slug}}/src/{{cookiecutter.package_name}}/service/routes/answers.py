"""POST /ask (JSON or server-sent events) and POST /search."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from ...core.errors import RagError
from ...pipeline import AskResponse, AskResult, Pipeline, SearchResponse
from ..deps import AppMetrics, CallerGroups, CurrentPipeline
from ..feedback import Feedback
from ..observability import Metrics, RequestIdFilter, request_id
from ..wire import LIMIT_RESPONSES, AskRequest, SearchRequest

log = logging.getLogger("api")
log.addFilter(RequestIdFilter())
router = APIRouter(tags=["answers"])


def _log_answer(
    metrics: Metrics, response: AskResponse, question: str, feedback: Feedback, version: str
) -> None:
    metrics.observe_answer(response, question)
    feedback.remember(question, response, version)
    log.info(
        "answer",
        extra={
            "fields": {
                "question_chars": len(question),
                "mode": response.mode,
                "refused": response.refused,
                "blocked": response.blocked,
                "reason": response.reason,
                "provider": response.provider,
                "citations": len(response.citations),
                "latency_ms": response.latency_ms,
            }
        },
    )


@router.post(
    "/ask",
    response_model=AskResponse,
    responses={
        **LIMIT_RESPONSES,
        200: {"content": {"text/event-stream": {}}, "description": "JSON, or SSE if stream"},
    },
)
def ask(
    body: AskRequest,
    pipeline: CurrentPipeline,
    metrics: AppMetrics,
    request: Request,
    groups: CallerGroups,
) -> Any:
    """Answer from the documents with citations, or refuse; `stream=true` sends SSE."""
    if body.stream:
        # The request id is read now: the body streams after the middleware has reset it.
        feedback = request.app.state.feedback
        stream = _stream(pipeline, metrics, body, request_id.get(), feedback, groups)
        return StreamingResponse(stream, media_type="text/event-stream")
    history = [t.turn() for t in body.history]
    result = pipeline.ask(body.question, body.mode, body.k, history, groups=groups)
    response = result.to_response(request_id.get())
    _log_answer(metrics, response, body.question, request.app.state.feedback, pipeline.version)
    return response


def _stream(
    pipeline: Pipeline,
    metrics: Metrics,
    body: AskRequest,
    rid: str,
    feedback: Feedback,
    groups: frozenset[str],
) -> Iterator[str]:
    try:
        history = [t.turn() for t in body.history]
        for piece in pipeline.ask_stream(body.question, body.mode, body.k, history, groups):
            if isinstance(piece, AskResult):
                response = piece.to_response(rid)
                _log_answer(metrics, response, body.question, feedback, pipeline.version)
                yield f"event: result\ndata: {response.model_dump_json()}\n\n"
            else:
                yield f"event: token\ndata: {json.dumps({'text': piece})}\n\n"
    except RagError as exc:
        yield f"event: error\ndata: {json.dumps({'error': str(exc)})}\n\n"


@router.post("/search", response_model=SearchResponse, responses=LIMIT_RESPONSES)
def search(
    body: SearchRequest, pipeline: CurrentPipeline, metrics: AppMetrics, groups: CallerGroups
) -> Any:
    """Ranked chunks with the score each stage gave them."""
    result = pipeline.search_redacted(body.query, body.mode, body.k, groups)
    response = result.to_response()
    metrics.observe_stages(response.latency_ms)
    metrics.observe_redactions(result.redactions)
    return response
