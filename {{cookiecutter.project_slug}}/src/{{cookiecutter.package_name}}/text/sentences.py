"""Sentence splitting shared by the chunker and the extractive answerer."""

from __future__ import annotations

import re

# A sentence ends at . ! or ? followed by space and an upper-case letter, digit, quote or
# parenthesis (not "[": a citation marker such as [2] stays with its sentence); list items and
# table rows (one per line) are sentences of their own.
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(*`])")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "approx.", "no.", "vs.", "fig.", "dr.", "mr.", "ms.")
# A line nothing continues: a table row, heading, quote or code fence.
_BLOCK_LINE = re.compile(r"^(?:[|#>]|```|~~~)")


def _logical_lines(text: str) -> list[str]:
    """Lines, with a hard-wrapped sentence joined back: a line that starts in lower case continues
    the previous one (a sentence or list item) unless that one ended a clause (.!?:;) or is a
    table row, heading or quote. Code blocks are left line by line."""
    lines: list[str] = []
    in_code = False
    joinable = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            joinable = False
            continue
        if line.startswith(("```", "~~~")):
            in_code = not in_code
            lines.append(line)
            joinable = False
            continue
        if joinable and not in_code and line[0].islower():
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
        joinable = not in_code and not line.endswith((".", "!", "?", ":", ";"))
        joinable = joinable and not _BLOCK_LINE.match(lines[-1])
    return lines


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences; every non-space character ends up in exactly one piece."""
    pieces: list[str] = []
    for line in _logical_lines(text):
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
