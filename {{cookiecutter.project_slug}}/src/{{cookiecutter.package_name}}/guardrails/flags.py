"""Flags set on chunks at ingest, so the query path does not scan every passage again.

Two scans run over each new or changed chunk: instructions aimed at a model (``context.FLAG``)
and personal data (``pii.FLAG``). The index records the signature of each scan (its rules and
library versions); a pipeline trusts an unflagged chunk to be clean only when the signatures it
would scan with are the ones recorded, and otherwise checks every passage as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import context, pii

if TYPE_CHECKING:
    from ..core.types import Chunk


def signatures() -> dict[str, str]:
    return {context.FLAG: context.RULES_SHA256, pii.FLAG: pii.scan_signature()}


def scan(chunks: list[Chunk], redactor: pii.PiiRedactor, redact: bool = False) -> int:
    """Redact personal data (``redact``) or flag it, and flag instructions; clears flags from an
    earlier scan first. Returns how many chunks carry instructions."""
    for chunk in chunks:
        chunk.flags = [f for f in chunk.flags if f not in (context.FLAG, pii.FLAG)]
        chunk.redacted = None
        text, found = redactor.redact(chunk.text)
        if found and redact:  # the sentence spans no longer fit: the answerer re-splits it
            chunk.text, chunk.sentences = text, []
        elif found:
            chunk.flags.append(pii.FLAG)
            chunk.redacted = text
    return context.flag_chunks(chunks)


def trusted(manifest: dict[str, Any]) -> bool:
    """True when every chunk of the index was flagged by the scans this code would run."""
    return bool(manifest.get("scans")) and manifest.get("scans") == signatures()
