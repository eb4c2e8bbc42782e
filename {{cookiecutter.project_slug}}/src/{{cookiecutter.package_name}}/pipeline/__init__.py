"""The one pipeline every door uses (CLI, API, UI, eval) and what it hands back."""

from .core import WARMUP_QUESTIONS, Pipeline, QuestionError
from .results import AskResult, SearchResult
from .schemas import (
    MAX_HISTORY_TURNS,
    AskResponse,
    Citation,
    History,
    HistoryTurn,
    Retrieved,
    SearchResponse,
)

__all__ = [
    "MAX_HISTORY_TURNS",
    "WARMUP_QUESTIONS",
    "AskResponse",
    "AskResult",
    "Citation",
    "History",
    "HistoryTurn",
    "Pipeline",
    "QuestionError",
    "Retrieved",
    "SearchResponse",
    "SearchResult",
]
