"""Follow-up questions: the retrieval query a question means inside its conversation.

A question that names its own subject is searched as asked. One that leans on the conversation (a
pronoun or pointing word, an opening "and ..." or "what about ...", or almost no topic words of its
own) is resolved offline: the distinctive terms of the earlier turns are carried over, the most
recent turn weighted most, rarer terms (by the index's own document frequencies) before common
ones, and an identifier the follow-up names replaces the ones it would carry. With an LLM
configured, the LLM rewrites the follow-up instead, and the offline rewrite is the fallback.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..core.types import Turn
from ..text.analyzer import analyze_words, identifiers

STRATEGIES = ("rewrite", "concat", "none")
"""How history reaches retrieval: resolved follow-ups (default), every earlier question joined to
the new one, or not at all (the ablation `make eval` runs compares the three)."""

# English words that point back into the conversation: pronouns and the adverbs that presuppose
# something said before (closed classes of the language, not phrases taken from any data set).
_POINTERS = frozenset(
    [
        "it",
        "its",
        "itself",
        "they",
        "them",
        "their",
        "theirs",
        "he",
        "him",
        "his",
        "she",
        "her",
        "hers",
        "former",
        "latter",
        "afterwards",
        "afterward",
        "instead",
        "too",
        "either",
        "else",
        "otherwise",
        "then",
    ]
)
# Determiners that presuppose a referent: "the plan", "that request". A question that uses them
# and names nothing specific (an identifier or a proper name) leans on the conversation.
_DEFINITE = frozenset(
    [
        "the",
        "this",
        "that",
        "these",
        "those",
        "there",
        "one",
        "ones",
        "other",
        "others",
        "same",
        "such",
    ]
)
_PROPER = re.compile(r"(?<![.?!]\s)(?<!^)\b[A-Z][A-Za-z]+")
_EXISTENTIAL = re.compile(r"\b(is|are|was|were|will be)\s+there\b", re.I)  # "is there ...?"
_OPENERS = re.compile(r"^\s*(and|also|but|so|then|or|what about|how about|what if)\b", re.I)
_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")
CARRIED_TERMS = 5
"""Terms carried into a follow-up: enough for a subject and its attribute."""
COMMON_SHARE = 0.10
"""A term in more than this share of chunks says little about a subject (it is not topic)."""
RECENCY = 0.5
"""Each turn further back counts this much less."""


@dataclass(frozen=True)
class Resolved:
    query: str
    rewritten: bool
    how: str  # "as asked", "offline", "llm", "concat"
    note: str | None = None


class FollowUpResolver:
    """Turns (history, question) into a retrieval query; ``df`` is the index's document frequency
    of an analysed term and ``n`` its chunk count."""

    def __init__(
        self,
        df: Callable[[str], int],
        n: int,
        llm_rewrite: Callable[[str, Sequence[Turn]], str] | None = None,
        max_turns: int = 4,
    ):
        self.df = df
        self.n = max(n, 1)
        self.common = max(COMMON_SHARE * self.n, 2.0)  # a tiny corpus keeps its topic words
        self.llm_rewrite = llm_rewrite
        self.max_turns = max_turns

    def idf(self, term: str) -> float:
        df = self.df(term)
        return math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))

    def topic(self, text: str) -> set[str]:
        """Analysed terms of ``text`` the corpus uses, leaving out the very common ones."""
        named = identifiers(text)
        return {
            term
            for term, _ in analyze_words(text)
            if term in named or 0 < self.df(term) <= self.common
        }

    def self_contained(self, question: str) -> bool:
        """No pointer back, and either a named subject (an identifier or a proper name) or, with
        no definite reference to lean on, at least two topic words of its own."""
        words = {w.casefold() for w in _WORD.findall(_EXISTENTIAL.sub(" ", question))}
        if _OPENERS.match(question) or words & _POINTERS:
            return False
        named = bool(identifiers(question)) or any(
            m.group() != "I" for m in _PROPER.finditer(question.strip())
        )
        if named:
            return True
        return not words & _DEFINITE and len(self.topic(question)) >= 2

    def resolve(
        self, question: str, history: Sequence[Turn], strategy: str = "rewrite"
    ) -> Resolved:
        history = [t for t in history if t.question.strip()][-self.max_turns :]
        if strategy == "none" or not history:
            return Resolved(question, False, "as asked")
        if strategy == "concat":
            return Resolved(" ".join([*(t.question for t in history), question]), True, "concat")
        if self.self_contained(question):
            return Resolved(question, False, "as asked")
        if self.llm_rewrite is not None:
            try:
                rewritten = " ".join(self.llm_rewrite(question, history).split())
            except Exception as exc:  # any provider failure: the offline rewrite answers
                note = f"follow-up rewrite by the LLM failed ({exc}); offline rewrite used"
                return replace(self.offline(question, history), note=note)
            if rewritten:
                return Resolved(rewritten, rewritten != question, "llm")
        return self.offline(question, history)

    def offline(self, question: str, history: Sequence[Turn]) -> Resolved:
        """The follow-up, the previous question as asked, then the distinctive terms of the turns
        before it (recency-weighted)."""
        previous = history[-1].question
        own = {term for term, _ in analyze_words(question)}
        own |= {term for term, _ in analyze_words(previous)}
        replaces_subject = bool(identifiers(question))
        score: dict[str, float] = {}
        surface: dict[str, str] = {}
        for age, turn in enumerate(reversed(history[:-1]), start=1):
            weight = RECENCY**age
            ids = identifiers(turn.question) | identifiers(turn.answer)
            # The question names the subject; the answer's identifiers count half.
            for text, share in ((turn.question, 1.0), (turn.answer, 0.5)):
                for term, word in analyze_words(text):
                    if term in own or (share < 1.0 and term not in ids):
                        continue
                    if term in ids and replaces_subject:
                        continue  # "what about the FM-700?": the new identifier replaces it
                    if not 0 < self.df(term) <= self.common and term not in ids:
                        continue
                    value = weight * share * self.idf(term) * (2.0 if term in ids else 1.0)
                    if value > score.get(term, 0.0):
                        score[term], surface[term] = value, word
        best = sorted(score, key=lambda t: (-score[t], t))[:CARRIED_TERMS]
        words = list(dict.fromkeys(surface[t] for t in best))
        return Resolved(" ".join([question, previous, *words]), True, "offline")


def history_key(history: Sequence[Turn], followup: str) -> str:
    """The part of the answer cache's key a conversation adds (empty without history)."""
    if not history or followup == "none":
        return ""
    turns = [[t.question, t.answer] for t in history]
    return hashlib.sha256(json.dumps([followup, turns]).encode()).hexdigest()
