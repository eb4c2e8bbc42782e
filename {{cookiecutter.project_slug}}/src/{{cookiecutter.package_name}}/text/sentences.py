"""Sentence splitting shared by the chunker and the extractive answerer."""

from __future__ import annotations

import re

# A sentence ends at . ! or ? followed by space and an upper-case letter, digit, quote or
# parenthesis (not "[": a citation marker such as [2] stays with its sentence); list items and
# table rows (one per line) are sentences of their own.
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(*`])")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "approx.", "no.", "vs.", "fig.", "dr.", "mr.", "ms.")


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences; every non-space character ends up in exactly one piece."""
    pieces: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        start = 0
        for match in _BOUNDARY.finditer(line):
            candidate = line[start : match.start()]
            if candidate.lower().endswith(_ABBREVIATIONS):
                continue
            pieces.append(candidate.strip())
            start = match.end()
        tail = line[start:].strip()
        if tail:
            pieces.append(tail)
    return [p for p in pieces if p]
