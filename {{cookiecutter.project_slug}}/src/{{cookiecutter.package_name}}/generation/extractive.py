"""Extractive answers: the retrieved sentences that best answer the question, each cited.

Offline and deterministic: no text is generated, so nothing is invented. Candidates are the whole
sentences of the top passages (``chunk.sentences``; pieces of a sentence too long for one chunk
are never quoted). Each is scored by dense similarity to the question (its vector was pooled at
ingest from the passage's own forward pass, so answering embeds nothing) plus term overlap, then
chosen greedily with a redundancy penalty (maximal marginal relevance) and given best first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..core.types import Answer, Citation
from ..text.analyzer import analyze
from ..text.sentences import split_sentences

if TYPE_CHECKING:
    from ..core.types import Hit
    from ..models.encoders import Embedder

SOURCE_CHUNKS = 3
MIN_WORDS = 3
KEEP_RATIO = 0.85  # a sentence is kept only if it scores at least this share of the best one
REDUNDANCY = 0.5  # weight of a candidate's similarity to sentences already chosen
DENSE_WEIGHT = 0.7

SentenceVectors = Callable[[int], np.ndarray]  # chunk row -> vectors of chunk.sentences


def _overlap(question_terms: set[str], text: str) -> float:
    if not question_terms:
        return 0.0
    return len(question_terms & set(analyze(text))) / len(question_terms)


def _candidates(
    hits: list[Hit], stored: SentenceVectors | None, embedder: Embedder
) -> tuple[list[tuple[int, str]], np.ndarray]:
    """(source rank, sentence) pairs from the top hits and one vector per pair. Stored vectors
    are used where the index has them; an index without them (a store that keeps no sentence
    vectors) has its sentences embedded here, with the passage header for context."""
    pairs: list[tuple[int, str]] = []
    vectors: list[np.ndarray] = []
    missing: list[int] = []
    for rank, hit in enumerate(hits[:SOURCE_CHUNKS], start=1):
        chunk = hit.chunk
        if stored is not None and chunk.sentences:
            for (start, end), vector in zip(chunk.sentences, stored(hit.row), strict=True):
                sentence = chunk.text[start:end]
                if len(sentence.split()) >= MIN_WORDS:
                    pairs.append((rank, sentence))
                    vectors.append(vector)
            continue
        for sentence in split_sentences(chunk.text):
            if len(sentence.split()) >= MIN_WORDS:
                missing.append(len(pairs))
                pairs.append((rank, sentence))
                vectors.append(np.zeros(0, dtype=np.float32))
    if missing:
        texts = [f"{hits[pairs[i][0] - 1].chunk.header}: {pairs[i][1]}" for i in missing]
        for i, vector in zip(missing, embedder.encode(texts), strict=True):
            vectors[i] = vector
    if not pairs:
        return [], np.zeros((0, 0), dtype=np.float32)
    return pairs, np.vstack(vectors)


def extract(
    question: str,
    query_vector: np.ndarray,
    hits: list[Hit],
    embedder: Embedder,
    max_sentences: int,
    stored: SentenceVectors | None = None,
) -> Answer:
    """Build an answer from the top hits; the caller has already decided not to refuse."""
    pairs, vectors = _candidates(hits, stored, embedder)
    if not pairs:  # no sentence of three words: quote the best passage whole
        hit = hits[0]
        return Answer(
            text=f"{hit.chunk.text} [1]",
            refused=False,
            citations=[Citation(1, hit.chunk.doc_id, hit.chunk.chunk_id)],
            evidence={"best_sentence": 0.0},
        )
    q_terms = set(analyze(question))
    cosine = vectors @ query_vector
    lexical = np.array([_overlap(q_terms, s) for _, s in pairs], dtype=np.float32)
    # Rank of the source chunk matters a little: the retriever has already judged it.
    prior = np.array([0.02 * (SOURCE_CHUNKS - r) for r, _ in pairs], dtype=np.float32)
    score = DENSE_WEIGHT * cosine + (1 - DENSE_WEIGHT) * lexical + prior
    best = float(score.max())
    chosen: list[int] = []
    open_ = [i for i in range(len(pairs)) if score[i] >= KEEP_RATIO * best]
    while open_ and len(chosen) < max_sentences:
        if chosen:  # the same sentence quoted from an overlapping chunk is not said twice
            said = {pairs[c][1] for c in chosen}
            open_ = [i for i in open_ if pairs[i][1] not in said]
            if not open_:
                break
            similarity = (vectors[open_] @ vectors[chosen].T).max(axis=1)
            marginal = score[open_] - REDUNDANCY * similarity
        else:
            marginal = score[open_]
        pick = open_[int(np.argmax(marginal))]
        chosen.append(pick)
        open_.remove(pick)
    parts: list[str] = []
    citations: dict[int, Citation] = {}
    for i in chosen:
        rank, sentence = pairs[i]
        hit = hits[rank - 1]
        citations.setdefault(rank, Citation(rank, hit.chunk.doc_id, hit.chunk.chunk_id))
        parts.append(f"{sentence} [{rank}]")
    return Answer(
        text=" ".join(parts),
        refused=False,
        citations=[citations[n] for n in sorted(citations)],
        evidence={"best_sentence": round(best, 4)},
    )
