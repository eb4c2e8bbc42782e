"""What every answerer returns."""

from __future__ import annotations

import re

from ..core.types import Answer

REFUSAL_TEXT = "I can't answer that from the documents: they do not contain enough evidence."
_CITATION = re.compile(r"\[(\d{1,3})\]")


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
