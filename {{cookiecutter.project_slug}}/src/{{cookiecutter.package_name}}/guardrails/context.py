"""The retrieved-context rail: instructions aimed at a model, found inside documents, are removed.

Chunks are flagged at ingest (``instruction_like``) and checked again at answer time (an index
built before a rule was added is still covered). Offending sentences are cut out of the chunk
text the answerer sees; a chunk with nothing left is dropped.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from ..text.sentences import split_sentences
from .normalize import clean
from .rules import CONTEXT_INJECTION

if TYPE_CHECKING:
    from ..core.types import Chunk, Hit

FLAG = "instruction_like"
# Which rules flagged the chunks at ingest: the same rules on the same text give the same flags,
# so a query can trust the stored flags and re-check nothing (``neutralise(trust_flags=True)``).
RULES_SHA256 = hashlib.sha256("\n".join(p.pattern for p in CONTEXT_INJECTION).encode()).hexdigest()
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TABLE_ROW = re.compile(r"^\s*\|")
_HEADING = re.compile(r"^\s*#{1,6}\s")


def is_instruction(text: str) -> bool:
    cleaned = clean(text)
    return any(p.search(cleaned) for p in CONTEXT_INJECTION)


def strip_instructions(text: str) -> str:
    """The text without its instructions. HTML comments (invisible to a reader) go whole; a
    section whose heading addresses the model goes whole; any other line (a table row, a list item,
    a markdown link) is cut down to the sentences that carry no instruction, and a table row that
    carries one is dropped."""
    text = _COMMENT.sub("", text)
    lines: list[str] = []
    skipping = False
    for line in text.splitlines():
        heading = _HEADING.match(line) is not None
        if heading:
            skipping = is_instruction(line)
        if skipping:
            continue
        if not is_instruction(line):
            lines.append(line)
            continue
        kept = [s for s in split_sentences(line) if not is_instruction(s)]
        if kept and not _TABLE_ROW.match(line):
            lines.append(" ".join(kept))
    return "\n".join(lines).strip()


def flag_chunks(chunks: list[Chunk]) -> int:
    """Mark chunks that carry instructions aimed at a model; return how many."""
    count = 0
    for chunk in chunks:
        if is_instruction(chunk.text) and FLAG not in chunk.flags:
            chunk.flags.append(FLAG)
            count += 1
    return count


def neutralise(hits: list[Hit], trust_flags: bool = False) -> tuple[list[Hit], int]:
    """Hits with instruction sentences removed; returns (hits, chunks changed or dropped).

    With trust_flags (the index was flagged by these same rules) an unflagged chunk is
    known clean; otherwise every chunk is checked again."""
    from ..core.types import Hit

    out: list[Hit] = []
    changed = 0
    for hit in hits:
        if FLAG not in hit.chunk.flags and (trust_flags or not is_instruction(hit.chunk.text)):
            out.append(hit)
            continue
        changed += 1
        text = strip_instructions(hit.chunk.text)
        if text:
            # The stored sentence spans no longer fit the shortened text: the answerer re-splits it.
            # Nor does a redaction made at ingest: the redactor scans this text if it is served.
            out.append(
                Hit(hit.row, replace(hit.chunk, text=text, sentences=[], redacted=None), hit.scores)
            )
    return out, changed
