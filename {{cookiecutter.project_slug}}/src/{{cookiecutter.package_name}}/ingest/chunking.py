"""Token-aware chunking: every chunk, with its title line, fits the embedder's window.

Sizes are counted with the embedder's own tokenizer, so nothing is silently truncated at
embedding time. Chunks never cross a section boundary; consecutive chunks of a section share
up to ``overlap`` tokens of whole sentences.
"""

from __future__ import annotations

from typing import Any, Protocol

from ..core.types import Chunk
from ..text.sentences import split_sentences
from .loaders import Document

HEADER_MAX_TOKENS = 48


class TokenCounter(Protocol):
    def count(self, texts: list[str]) -> list[int]: ...

    def split(self, text: str, max_tokens: int) -> list[str]: ...


class HFTokenCounter:
    """Counts and splits with a Hugging Face fast tokenizer (special tokens excluded)."""

    def __init__(self, tokenizer: Any):
        self.tokenizer = tokenizer

    def count(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        encoded = self.tokenizer(texts, add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def split(self, text: str, max_tokens: int) -> list[str]:
        offsets = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)[
            "offset_mapping"
        ]
        pieces = []
        for start in range(0, len(offsets), max_tokens):
            window = offsets[start : start + max_tokens]
            end = offsets[start + max_tokens][0] if start + max_tokens < len(offsets) else len(text)
            pieces.append(text[window[0][0] : end].strip())
        return [p for p in pieces if p]


def _fit_header(header: str, counter: TokenCounter) -> str:
    if counter.count([header])[0] <= HEADER_MAX_TOKENS:
        return header
    return counter.split(header, HEADER_MAX_TOKENS)[0]


def chunk_document(
    doc: Document,
    counter: TokenCounter,
    chunk_tokens: int,
    overlap: int,
    max_seq_length: int,
) -> list[Chunk]:
    """Split ``doc`` into chunks whose indexed text fits in ``max_seq_length`` model tokens."""
    chunks: list[Chunk] = []
    title = _fit_header(doc.title, counter)
    for section in doc.sections:
        heading = "" if section.heading == doc.title else _fit_header(section.heading, counter)
        probe = Chunk("", doc.doc_id, title, heading, "", 0)
        # 2 special tokens ([CLS], [SEP]) plus the header line and its newline.
        room = max_seq_length - 2 - counter.count([probe.header])[0] - 1
        budget = max(8, min(chunk_tokens, room))
        units: list[str] = []
        sizes: list[int] = []
        whole: list[bool] = []
        sentences = split_sentences(section.text)
        for sentence, size in zip(sentences, counter.count(sentences), strict=True):
            if size <= budget:
                units.append(sentence)
                sizes.append(size)
                whole.append(True)
            else:
                parts = counter.split(sentence, budget)
                units.extend(parts)
                sizes.extend(counter.count(parts))
                whole.extend([False] * len(parts))
        for members in _pack(sizes, budget, overlap):
            text, spans = _join(units, whole, members)
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.doc_id}#{len(chunks)}",
                    doc_id=doc.doc_id,
                    title=title,
                    section=heading,
                    text=text,
                    position=len(chunks),
                    sentences=spans,
                )
            )
    return chunks


def _join(units: list[str], whole: list[bool], members: list[int]) -> tuple[str, list[list[int]]]:
    """A chunk's text (its units joined by spaces) and the spans of its whole sentences."""
    spans: list[list[int]] = []
    cursor = 0
    for j in members:
        if whole[j]:
            spans.append([cursor, cursor + len(units[j])])
        cursor += len(units[j]) + 1
    return " ".join(units[j] for j in members), spans


def _pack(sizes: list[int], budget: int, overlap: int) -> list[list[int]]:
    """Group consecutive units (by index) into chunks of at most budget tokens; a chunk
    starts with up to overlap tokens of whole units carried from the one before."""
    out: list[list[int]] = []
    current: list[int] = []
    used = 0
    for i, size in enumerate(sizes):
        if current and used + size > budget:
            out.append(current)
            carried: list[int] = []
            carried_tokens = 0
            for j in reversed(current):
                if carried_tokens + sizes[j] > overlap or carried_tokens + sizes[j] + size > budget:
                    break
                carried.insert(0, j)
                carried_tokens += sizes[j]
            current, used = carried, carried_tokens
        current.append(i)
        used += size
    if current:
        out.append(current)
    return out
