"""The wire format of an answer and a search result: one schema for the API, ``--json``, the UI
and the eval's rows (``AskResult.to_response()`` and ``SearchResult.to_response()`` build them)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

from ..core.types import Turn

MAX_HISTORY_TURNS = 20


class HistoryTurn(BaseModel):
    """An earlier turn of the conversation, as the caller saw it (``/ask``'s ``history``, the
    file ``ask --history`` reads)."""

    model_config = {"extra": "forbid"}
    # No per-field length limit: the request body limit (max_body_bytes) bounds them, and only
    # the last ``history_turns`` are read.
    question: str
    answer: str = ""

    def turn(self) -> Turn:
        return Turn(self.question, self.answer)


History = TypeAdapter(list[HistoryTurn])


class Citation(BaseModel):
    n: int
    doc_id: str
    chunk_id: str


class Retrieved(BaseModel):
    rank: int
    doc_id: str
    chunk_id: str
    title: str
    section: str
    text: str
    scores: dict[str, float]


class AskResponse(BaseModel):
    request_id: str | None = Field(
        None, description="The request's id (the X-Request-ID header of the response)."
    )
    query: str | None = Field(
        description="The retrieval query actually used; null when the question contained personal "
        "data (the response never echoes it)."
    )
    redactions: list[str]
    answer: str
    refused: bool
    blocked: bool
    reason: str | None
    citations: list[Citation]
    latency_ms: dict[str, float]
    mode: str
    reranked: bool
    provider: str
    usage: dict[str, Any]
    evidence: dict[str, float]
    notes: list[str]
    fallback: Literal["extractive"] | None = Field(
        None, description="Set when the LLM failed or was slow; the extractive answer is shown."
    )
    retrieved: list[Retrieved]
    cached: bool = Field(
        False, description="Served from the answer cache; latency_ms is then the lookup only."
    )


class SearchResponse(BaseModel):
    query: str
    mode: str
    reranked: bool
    notes: list[str]
    results: list[Retrieved]
    latency_ms: dict[str, float]
    redactions: list[str] = Field(
        default_factory=list, description="PII entity types removed from the passages."
    )
