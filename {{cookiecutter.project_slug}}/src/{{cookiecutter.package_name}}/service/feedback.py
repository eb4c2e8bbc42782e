"""The service's side of feedback: remember what each request was answered with, store ratings
of it (redacted) and count them in /metrics. The API (POST /feedback) and the UI's buttons both
rate through ``Feedback.rate``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..feedback import Answered, FeedbackError, FeedbackStore
from ..pipeline.answer_cache import AnswerCache

if TYPE_CHECKING:
    from ..pipeline import AskResponse, Pipeline
    from .observability import Metrics


RECENT_ANSWERS = 10_000


class UnknownRequest(FeedbackError):
    """Feedback names a request this server did not answer (or answered too long ago)."""


class Feedback:
    def __init__(self, pipeline: Pipeline, metrics: Metrics):
        pii = pipeline.pii
        if pii is None:  # redaction is off for answers; feedback is still stored redacted
            from ..guardrails.pii import PiiRedactor

            pii = PiiRedactor()
        self.store = FeedbackStore(pipeline.settings.feedback_db, lambda text: pii.redact(text)[0])
        # The answers feedback can name, by request id; older ones are refused as unknown.
        self.recent: AnswerCache[Answered] = AnswerCache(RECENT_ANSWERS)
        self.metrics = metrics

    def remember(self, question: str, response: AskResponse, index_version: str) -> None:
        if not response.request_id:
            return
        self.recent.put(
            (response.request_id,),
            Answered(
                request_id=response.request_id,
                index_version=index_version,
                mode=response.mode,
                question=question,
                answer=response.answer,
                citations=tuple(c.chunk_id for c in response.citations),
                refused=response.refused,
                blocked=response.blocked,
            ),
        )

    def rate(
        self, request_id: str, rating: str, reason: str | None = None, comment: str | None = None
    ) -> str:
        """Store a rating of the answer to ``request_id``; return the record's id."""
        answered = self.recent.get((request_id,))
        if answered is None:
            raise UnknownRequest(f"no answer with request id {request_id} is known to this server")
        feedback_id = self.store.add(answered, rating, reason, comment)
        self.metrics.feedback.labels(rating=rating).inc()
        self.metrics.quality.observe_feedback(rating)
        return feedback_id
