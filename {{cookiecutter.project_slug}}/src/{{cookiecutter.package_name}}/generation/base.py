"""What every answerer returns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

REFUSAL_TEXT = "I can't answer that from the documents: they do not contain enough evidence."
_CITATION = re.compile(r"\[(\d{1,3})\]")


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


def cited_numbers(text: str) -> list[int]:
    """The distinct [n] markers in ``text``, in order of first appearance."""
    seen: list[int] = []
    for match in _CITATION.finditer(text):
        n = int(match.group(1))
        if n not in seen:
            seen.append(n)
    return seen


def refusal(
    reason: str, evidence: dict[str, float] | None = None, provider: str = "extractive"
) -> Answer:
    return Answer(REFUSAL_TEXT, True, [], reason, provider, {}, evidence or {})
