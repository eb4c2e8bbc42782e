"""What the API accepts and how it says no: request models, the error body, the documented
error statuses and one-line validation messages. Responses are ``pipeline.schemas``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, BeforeValidator, Field, StrictBool

from ..core.settings import MODES
from ..pipeline import MAX_HISTORY_TURNS, HistoryTurn

ModeName = Literal["bm25", "dense", "hybrid", "hybrid+rerank"]


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
    history: list[HistoryTurn] = Field(
        default_factory=list,
        max_length=MAX_HISTORY_TURNS,
        description="Earlier turns of the conversation, oldest first: a follow-up is resolved "
        "against them (the response's `query` says how).",
    )


class SearchRequest(BaseModel):
    model_config = {"extra": "forbid"}
    query: str = Field(min_length=1, max_length=2000, pattern=NON_BLANK)
    k: ChunkCount | None = None
    mode: ModeName | None = None


class FeedbackRequest(BaseModel):
    model_config = {"extra": "forbid"}
    request_id: str = Field(
        pattern=r"^[A-Za-z0-9._-]{1,64}$", description="The X-Request-ID of the rated answer."
    )
    rating: Literal["up", "down"]
    reason: (
        Literal[
            "wrong_answer",
            "wrong_sources",
            "should_have_refused",
            "should_not_have_refused",
            "other",
        ]
        | None
    ) = None
    comment: str | None = Field(None, max_length=2000)


class FeedbackCreated(BaseModel):
    id: str


class ErrorResponse(BaseModel):
    error: str


LIMIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Unknown API key (X-API-Key)"},
    400: {"model": ErrorResponse, "description": "Unreadable body (not UTF-8 JSON)"},
    413: {"model": ErrorResponse, "description": "Request body over max_body_bytes"},
    422: {"model": ErrorResponse, "description": "Bad request"},
    429: {"model": ErrorResponse, "description": "Rate limit exceeded (see Retry-After)"},
    503: {"model": ErrorResponse, "description": "No usable index"},
}


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def validation_message(exc: RequestValidationError) -> str:
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
