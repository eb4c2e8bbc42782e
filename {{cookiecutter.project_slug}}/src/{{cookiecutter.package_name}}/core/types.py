"""The records every layer passes along: a chunk of a document, a retrieved hit, a retrieval,
an answer with its citations, a turn of a conversation. Plain dataclasses; this module imports
nothing of the package."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


@dataclass
class Chunk:
    chunk_id: str
    doc_id: str
    title: str
    section: str
    text: str
    position: int
    flags: list[str] = field(default_factory=list)
    # Character spans [start, end) in text of the whole sentences an answer may quote (not
    # the pieces of a sentence too long for one chunk); their vectors are stored by the index.
    sentences: list[list[int]] = field(default_factory=list)
    # The text with its personal data replaced, computed at ingest for a chunk flagged
    # ``personal_data`` (served instead of scanning the passage again at query time).
    redacted: str | None = None
    # The groups that may read the chunk's document (ingest/acl.py); empty: everyone.
    groups: list[str] = field(default_factory=list)

    @property
    def header(self) -> str:
        if not self.section or self.section == self.title:
            return self.title
        return f"{self.title} - {self.section}"

    @property
    def indexed_text(self) -> str:
        """What is embedded and BM25-indexed: the title line, then the text."""
        return f"{self.header}\n{self.text}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Chunk:
        return cls(**data)


@dataclass
class Hit:
    """A retrieved chunk with the score each stage gave it (only stages it went through)."""

    row: int
    chunk: Chunk
    scores: dict[str, float] = field(default_factory=dict)


@dataclass
class Retrieval:
    hits: list[Hit]
    mode: str
    reranked: bool
    notes: list[str] = field(default_factory=list)
    query_vector: np.ndarray | None = None
    cache_hit: bool = False


@dataclass
class Citation:
    n: int
    doc_id: str
    chunk_id: str

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "doc_id": self.doc_id, "chunk_id": self.chunk_id}


@dataclass
class Answer:
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    reason: str | None = None
    provider: str = "extractive"
    usage: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Turn:
    """An earlier turn of a conversation: what was asked and what was answered."""

    question: str
    answer: str = ""
