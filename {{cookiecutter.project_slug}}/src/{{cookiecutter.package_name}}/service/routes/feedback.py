"""POST /feedback: a rating of an answer this server gave, by its request id."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from ...feedback import FeedbackError
from ..deps import AppMetrics
from ..wire import LIMIT_RESPONSES, ErrorResponse, FeedbackCreated, FeedbackRequest, error

router = APIRouter(tags=["feedback"])


@router.post(
    "/feedback",
    status_code=201,
    response_model=FeedbackCreated,
    responses={**LIMIT_RESPONSES, 404: {"model": ErrorResponse, "description": "Unknown request"}},
)
def feedback(body: FeedbackRequest, request: Request, metrics: AppMetrics) -> Any:
    """Thumbs up or down (with a reason and a comment) on the answer to `request_id`."""
    service = request.app.state.feedback
    answered = service.recent.get(body.request_id)
    if answered is None:
        return error(404, f"no answer with request id {body.request_id} is known to this server")
    try:
        feedback_id = service.store.add(answered, body.rating, body.reason, body.comment)
    except FeedbackError as exc:
        return error(422, str(exc))
    metrics.feedback.labels(rating=body.rating).inc()
    metrics.quality.observe_feedback(body.rating)
    return FeedbackCreated(id=feedback_id)
