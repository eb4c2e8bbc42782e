"""What the pipeline hands back: a search or an answer with its retrieval and stage timings, and
their wire format (``to_response``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.timing import Timings
from ..core.types import Answer, Hit, Retrieval
from .schemas import AskResponse, Citation, Retrieved, SearchResponse


@dataclass
class SearchResult:
    query: str
    retrieval: Retrieval
    timings: Timings
    redactions: list[str] = field(default_factory=list)

    def to_response(self) -> SearchResponse:
        return SearchResponse(
            query=self.query,
            redactions=sorted(set(self.redactions)),
            mode=self.retrieval.mode,
            reranked=self.retrieval.reranked,
            notes=self.retrieval.notes,
            results=retrieved(self.retrieval.hits),
            latency_ms=self.timings.rounded(),
        )

    def to_json(self) -> dict[str, Any]:
        return self.to_response().model_dump()


def retrieved(hits: list[Hit]) -> list[Retrieved]:
    return [
        Retrieved(
            rank=rank,
            doc_id=hit.chunk.doc_id,
            chunk_id=hit.chunk.chunk_id,
            title=hit.chunk.title,
            section=hit.chunk.section,
            text=hit.chunk.text,
            scores={k: round(v, 6) for k, v in hit.scores.items()},
        )
        for rank, hit in enumerate(hits, start=1)
    ]


@dataclass
class AskResult:
    question: str
    answer: Answer
    retrieval: Retrieval
    timings: Timings
    blocked: bool = False
    notes: list[str] = field(default_factory=list)
    redactions: list[str] = field(default_factory=list)
    cached: bool = False
    query: str | None = None  # the retrieval query, when it is not the question itself
    echo_query: bool = True  # False when the question carries personal data

    def to_response(self, request_id: str | None = None) -> AskResponse:
        answer = self.answer
        return AskResponse(
            request_id=request_id,
            query=(self.query or self.question) if self.echo_query else None,
            cached=self.cached,
            redactions=sorted(set(self.redactions)),
            answer=answer.text,
            refused=answer.refused,
            blocked=self.blocked,
            reason=answer.reason,
            citations=[
                Citation(n=c.n, doc_id=c.doc_id, chunk_id=c.chunk_id) for c in answer.citations
            ],
            latency_ms=self.timings.rounded(),
            mode=self.retrieval.mode,
            reranked=self.retrieval.reranked,
            provider=answer.provider,
            usage=answer.usage,
            evidence=answer.evidence,
            notes=[*self.retrieval.notes, *answer.notes, *self.notes],
            fallback="extractive" if answer.provider == "extractive-fallback" else None,
            retrieved=retrieved(self.retrieval.hits),
        )

    def to_json(self) -> dict[str, Any]:
        return self.to_response().model_dump()
