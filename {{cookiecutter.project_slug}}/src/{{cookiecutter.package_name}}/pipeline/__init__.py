"""The one pipeline every door uses (CLI, API, UI, eval) and what it hands back."""

from .core import WARMUP_QUESTIONS, Pipeline, QuestionError
from .results import AskResult, SearchResult
from .schemas import AskResponse, Citation, Retrieved, SearchResponse

__all__ = [
    "WARMUP_QUESTIONS",
    "AskResponse",
    "AskResult",
    "Citation",
    "Pipeline",
    "QuestionError",
    "Retrieved",
    "SearchResponse",
    "SearchResult",
]
