"""How strongly the retrieved chunks support an answer: the signal behind refusals.

Two checks, both independent of any generator:
- ``dense``: cosine similarity of the question to the best retrieved chunk. Unrelated questions
  score low with any corpus, because the embedder was trained to separate them.
- ``coverage``: share of the question's identifiers (terms with a digit, e.g. ``E104`` or
  ``HX-4200``) found in the retrieved text. An identifier the evidence never mentions cannot be
  answered from it.
"""

from __future__ import annotations

from ..retrieval.analyzer import analyze


def identifiers(text: str) -> set[str]:
    return {t for t in analyze(text) if any(ch.isdigit() for ch in t)}


def identifier_coverage(question: str, texts: list[str]) -> float:
    """Share of the question's identifiers that occur in ``texts`` (1.0 when it has none)."""
    wanted = identifiers(question)
    if not wanted:
        return 1.0
    found: set[str] = set()
    for text in texts:
        found.update(analyze(text))
    return len(wanted & found) / len(wanted)
