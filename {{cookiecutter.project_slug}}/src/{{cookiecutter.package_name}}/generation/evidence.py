"""How strongly the retrieved chunks support an answer: the signal behind refusals.

Two checks, both independent of any generator:
- ``dense``: cosine similarity of the question to the best retrieved chunk. Unrelated questions
  score low with any corpus, because the embedder was trained to separate them.
- ``identifier_coverage``: share of the question's identifiers (terms that start with a letter
  and contain a digit, e.g. ``E104``, ``HX-4200``, ``v3.4.1``) found in the retrieved text. An
  identifier the evidence never mentions cannot be answered from it: asking about error ``E115``
  must not return the text about ``E105``. Quantities such as ``2am`` or ``96`` are not identifiers.
"""

from __future__ import annotations

from ..retrieval.analyzer import analyze, identifiers


def identifier_coverage(question: str, texts: list[str]) -> float:
    """Share of the question's identifiers that occur in ``texts`` (1.0 when it has none)."""
    wanted = identifiers(question)
    if not wanted:
        return 1.0
    found: set[str] = set()
    for text in texts:
        found.update(analyze(text))
    return len(wanted & found) / len(wanted)
