"""The retrieved-context rail: instructions aimed at a model, found inside documents, are removed.

Chunks are flagged at ingest (``instruction_like``) and checked again at answer time (an index
built before a rule was added is still covered). Offending sentences are cut out of the chunk
text the answerer sees; a chunk with nothing left is dropped.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..sentences import split_sentences
from .normalize import clean
from .rules import CONTEXT_INJECTION

if TYPE_CHECKING:
    from ..ingest.chunking import Chunk
    from ..retrieval.hybrid import Hit

FLAG = "instruction_like"


def is_instruction(text: str) -> bool:
    cleaned = clean(text)
    return any(p.search(cleaned) for p in CONTEXT_INJECTION)


def flag_chunks(chunks: list[Chunk]) -> int:
    """Mark chunks that carry instructions aimed at a model; return how many."""
    count = 0
    for chunk in chunks:
        if is_instruction(chunk.text) and FLAG not in chunk.flags:
            chunk.flags.append(FLAG)
            count += 1
    return count


def neutralise(hits: list[Hit]) -> tuple[list[Hit], int]:
    """Hits with instruction sentences removed; returns (hits, chunks changed or dropped)."""
    from ..retrieval.hybrid import Hit

    out: list[Hit] = []
    changed = 0
    for hit in hits:
        if FLAG not in hit.chunk.flags and not is_instruction(hit.chunk.text):
            out.append(hit)
            continue
        changed += 1
        kept = [s for s in split_sentences(hit.chunk.text) if not is_instruction(s)]
        if kept:
            out.append(Hit(hit.row, replace(hit.chunk, text=" ".join(kept)), hit.scores))
    return out, changed
