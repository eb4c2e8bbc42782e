"""The service's side of feedback: remember what each request was answered with, store ratings
of it (redacted) and count them in /metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..feedback import FeedbackStore, RecentAnswers
from ..feedback.store import Answered

if TYPE_CHECKING:
    from ..pipeline import AskResponse, Pipeline


class Feedback:
    def __init__(self, pipeline: Pipeline):
        pii = pipeline.pii
        if pii is None:  # redaction is off for answers; feedback is still stored redacted
            from ..guardrails.pii import PiiRedactor

            pii = PiiRedactor()
        self.redactor = pii
        self.store = FeedbackStore(pipeline.settings.feedback_db, lambda text: pii.redact(text)[0])
        self.recent = RecentAnswers()

    def remember(self, question: str, response: AskResponse, index_version: str) -> None:
        if not response.request_id:
            return
        self.recent.remember(
            Answered(
                request_id=response.request_id,
                index_version=index_version,
                mode=response.mode,
                question=question,
                answer=response.answer,
                citations=tuple(c.chunk_id for c in response.citations),
                refused=response.refused,
                blocked=response.blocked,
            )
        )
