"""Feedback on answers: the SQLite store (``store``) and golden-set candidates from it
(``triage``)."""

from .store import REASONS, FeedbackError, FeedbackStore, RecentAnswers
from .triage import triage

__all__ = ["REASONS", "FeedbackError", "FeedbackStore", "RecentAnswers", "triage"]
