"""The evidence a retrieval gives for answering: the features the answerability model reads.

All are cheap and computed from what retrieval already produced. A term's weight is its IDF in
the corpus (BM25's, per chunk) times its general-English rarity (``text/rarity.py``), so an
everyday word a small corpus happens not to use does not make a question look out of scope:
- ``dense``: cosine of the question to the best of the top evidence chunks.
- ``corpus_coverage``: IDF-weighted share of the question's content terms that the corpus uses
  at all: a question whose distinctive terms the documents never use is about something else.
- ``unknown_terms``: how many of the question's content terms the corpus never uses, each
  counted by its general-English rarity (an unknown "sabbatical" counts 1, an unknown "long" 0.05).
- ``missing_idf``: the highest IDF among the question's terms that the evidence lacks, over the
  question's highest IDF (1.0: its most distinctive term is not in the evidence).
- ``sentence_coverage``: the IDF-weighted share of the question's terms found together in one
  sentence of the evidence (an answer usually states its subject and the asked-for detail together).
- ``identifiers``: share of the question's identifiers (``E104``, ``SHA-256``; spelling
  normalised by the analyzer) found in the evidence; 1.0 when it names none.

The set was chosen by cross-validated AUC on a golden set (docs/safety.md): BM25-score
and ranking-agreement features were tried and left out because they lowered it.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from ..text.analyzer import analyze, analyze_words, identifiers
from ..text.rarity import specificity
from ..text.sentences import split_sentences

FEATURES = (
    "dense",
    "corpus_coverage",
    "unknown_terms",
    "missing_idf",
    "sentence_coverage",
    "identifiers",
)
EVIDENCE_CHUNKS = 3


class EvidenceStore(Protocol):
    def __len__(self) -> int: ...
    def term_df(self, term: str) -> int: ...
    def dense_scores(self, vector: np.ndarray, ids: list[int]) -> list[float]: ...


def idf(df: int, n: int) -> float:
    """BM25's (Lucene) inverse document frequency."""
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def identifier_share(wanted: set[str], found: set[str]) -> float:
    """Share of the identifiers ``wanted`` among the terms ``found`` (1.0 when none is wanted)."""
    return len(wanted & found) / len(wanted) if wanted else 1.0


def features(
    question: str,
    vector: np.ndarray,
    rows: list[int],
    texts: list[str],
    store: EvidenceStore,
) -> dict[str, float]:
    """The evidence features for ``question`` given its top evidence chunks (``rows``, ``texts``)."""
    n = max(len(store), 1)
    words: dict[str, str] = {}  # term -> the first word of the question it came from
    for term, word in analyze_words(question):
        words.setdefault(term, word)
    terms = list(words)
    df = {t: store.term_df(t) for t in terms}
    weights = {t: idf(df[t], n) * specificity(words[t]) for t in terms}
    total = sum(weights.values()) or 1.0
    found: set[str] = set()
    best_sentence = 0.0
    for text in texts:
        found.update(analyze(text))
        for sentence in split_sentences(text):
            present = set(analyze(sentence))
            best_sentence = max(best_sentence, sum(w for t, w in weights.items() if t in present))
    missing = [w for t, w in weights.items() if t not in found]
    values = {
        "dense": max(store.dense_scores(vector, rows), default=0.0),
        "corpus_coverage": sum(w for t, w in weights.items() if df[t] > 0) / total
        if terms
        else 0.0,
        "unknown_terms": sum(specificity(words[t]) for t in terms if df[t] == 0),
        "missing_idf": max(missing, default=0.0) / max(weights.values(), default=1.0),
        "sentence_coverage": best_sentence / total if terms else 0.0,
        "identifiers": identifier_share(identifiers(question), found),
    }
    return {k: round(float(v), 4) for k, v in values.items()}
