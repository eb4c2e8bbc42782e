"""Feedback on answers: the SQLite store (``store``) and golden-set candidates from it
(``triage``)."""

from .store import REASONS, Answered, FeedbackError, FeedbackStore
from .triage import triage

__all__ = ["REASONS", "Answered", "FeedbackError", "FeedbackStore", "triage"]
