"""The output rail: citations must point at retrieved chunks, sentences must be supported by the
chunks they cite, and the prompts and secrets it is given never appear in an answer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from ..core.types import Answer, Citation
from ..generation.base import refusal
from ..text.analyzer import analyze
from ..text.sentences import split_sentences

if TYPE_CHECKING:
    from ..core.types import Hit

SUPPORT = 0.5  # share of a sentence's terms that its cited chunks must contain
_CITE = re.compile(r"\[(\d{1,3})\]")
_WORDS = re.compile(r"[a-z0-9]+")


def _shingles(text: str, n: int = 6) -> set[tuple[str, ...]]:
    words = _WORDS.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@lru_cache(maxsize=8)
def _prompt_shingles(prompt: str) -> frozenset[tuple[str, ...]]:
    return frozenset(_shingles(prompt))


def leaks(text: str, secrets: Sequence[str], prompts: Sequence[str] = ()) -> bool:
    """True when the text quotes six words in a row of a prompt, or contains a secret verbatim."""
    words = _shingles(text)
    if any(words & _prompt_shingles(prompt) for prompt in prompts):
        return True
    return any(secret and len(secret) >= 8 and secret in text for secret in secrets)


def check_answer(
    answer: Answer, hits: list[Hit], secrets: Sequence[str], prompts: Sequence[str] = ()
) -> Answer:
    """Return the answer with unsupported parts removed, or a refusal with the reason."""
    if answer.refused:
        return answer
    if leaks(answer.text, secrets, prompts):
        return refusal("system_prompt_leak", answer.evidence, answer.provider)
    kept: list[str] = []
    used: set[int] = set()
    dropped = 0
    for sentence in split_sentences(answer.text):
        cited = [int(n) for n in _CITE.findall(sentence) if 1 <= int(n) <= len(hits)]
        body = _CITE.sub("", sentence).strip()
        terms = set(analyze(body))
        support_terms: set[str] = set()
        for n in cited:
            support_terms.update(analyze(hits[n - 1].chunk.indexed_text))
        if not cited or not terms or len(terms & support_terms) / len(terms) < SUPPORT:
            dropped += 1
            continue
        kept.append(
            _CITE.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= len(hits) else "", sentence)
        )
        used.update(cited)
    if not kept:
        return refusal("unsupported_answer", answer.evidence, answer.provider)
    citations = [
        Citation(n, hits[n - 1].chunk.doc_id, hits[n - 1].chunk.chunk_id) for n in sorted(used)
    ]
    notes = list(answer.notes)
    if dropped:
        notes.append(f"{dropped} sentence(s) without support in the cited passages removed")
    return Answer(
        " ".join(kept),
        False,
        citations,
        answer.reason,
        answer.provider,
        answer.usage,
        answer.evidence,
        notes,
    )
