"""POST /feedback: a rating of an answer this server gave, by its request id."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from ...feedback import FeedbackError
from ..feedback import UnknownRequest
from ..wire import LIMIT_RESPONSES, ErrorResponse, FeedbackCreated, FeedbackRequest, error

router = APIRouter(tags=["feedback"])


@router.post(
    "/feedback",
    status_code=201,
    response_model=FeedbackCreated,
    responses={**LIMIT_RESPONSES, 404: {"model": ErrorResponse, "description": "Unknown request"}},
)
def feedback(body: FeedbackRequest, request: Request) -> Any:
    """Thumbs up or down (with a reason and a comment) on the answer to `request_id`."""
    try:
        feedback_id = request.app.state.feedback.rate(
            body.request_id, body.rating, body.reason, body.comment
        )
    except UnknownRequest as exc:
        return error(404, str(exc))
    except FeedbackError as exc:
        return error(422, str(exc))
    return FeedbackCreated(id=feedback_id)
