"""Personal data in what an answer returns: the passages, and whether the answer needs a scan."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..core.types import Hit
from ..guardrails.pii import FLAG as PII_FLAG
from ..guardrails.pii import PiiRedactor, replaced

if TYPE_CHECKING:
    from .results import AskResult


def quotes_clean_passages(result: AskResult, trusted_flags: bool) -> bool:
    """True when the answer only quotes passages scanned clean at ingest (an extractive
    answer citing no passage flagged for personal data): it has nothing to redact."""
    if not trusted_flags or result.answer.provider != "extractive":
        return False
    hits = result.retrieval.hits
    cited = [hits[c.n - 1] for c in result.answer.citations if 0 < c.n <= len(hits)]
    return all(PII_FLAG not in hit.chunk.flags for hit in cited)


def redact_hits(
    hits: list[Hit], pii: PiiRedactor | None, trusted_flags: bool
) -> tuple[list[Hit], list[str]]:
    """The passages with PII replaced, and the entity types found (nothing without redaction).
    With ``trusted_flags`` the ingest scan is believed: clean passages pass as they are, flagged
    ones are served as redacted at ingest."""
    if pii is None:
        return hits, []
    redacted, entities = [], []
    for hit in hits:
        if trusted_flags and PII_FLAG not in hit.chunk.flags:
            redacted.append(hit)  # scanned clean at ingest by the same recognisers
            continue
        if trusted_flags and hit.chunk.redacted is not None:  # redacted at ingest
            text = hit.chunk.redacted
            found = replaced(hit.chunk.text, text)
            redacted.append(Hit(hit.row, replace(hit.chunk, text=text), hit.scores))
            entities += found
            continue
        text, found = pii.redact(hit.chunk.text)
        entities += found
        redacted.append(Hit(hit.row, replace(hit.chunk, text=text), hit.scores) if found else hit)
    return redacted, entities
