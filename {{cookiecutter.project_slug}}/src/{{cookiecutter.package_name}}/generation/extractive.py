"""Extractive answers: the retrieved sentences that best answer the question, each cited.

Offline and deterministic: no text is generated, so nothing is invented. Sentences are scored by
embedding similarity to the question plus term overlap, and kept in reading order.
"""

from __future__ import annotations

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
KEEP_RATIO = 0.85


def _overlap(question_terms: set[str], text: str) -> float:
    if not question_terms:
        return 0.0
    return len(question_terms & set(analyze(text))) / len(question_terms)


def extract(
    question: str,
    query_vector: np.ndarray,
    hits: list[Hit],
    embedder: Embedder,
    max_sentences: int,
) -> Answer:
    """Build an answer from the top hits; the caller has already decided not to refuse."""
    q_terms = set(analyze(question))
    candidates: list[tuple[int, int, str]] = []
    for rank, hit in enumerate(hits[:SOURCE_CHUNKS], start=1):
        for pos, sentence in enumerate(split_sentences(hit.chunk.text)):
            if len(sentence.split()) >= MIN_WORDS:
                candidates.append((rank, pos, sentence))
    if not candidates:
        candidates = [(1, 0, hits[0].chunk.text)]
    texts = [f"{hits[r - 1].chunk.header}: {s}" for r, _, s in candidates]
    vectors = embedder.encode(texts)
    cosine = vectors @ query_vector
    lexical = np.array([_overlap(q_terms, t) for t in texts], dtype=np.float32)
    # Rank of the source chunk matters a little: the retriever has already judged it.
    prior = np.array([0.02 * (SOURCE_CHUNKS - r) for r, _, _ in candidates], dtype=np.float32)
    score = 0.7 * cosine + 0.3 * lexical + prior
    best = float(score.max())
    order = [int(i) for i in np.argsort(-score, kind="stable")]
    chosen = [i for i in order if score[i] >= KEEP_RATIO * best][:max_sentences]
    chosen.sort(key=lambda i: (candidates[i][0], candidates[i][1]))
    parts: list[str] = []
    citations: dict[int, Citation] = {}
    for i in chosen:
        rank, _, sentence = candidates[i]
        hit = hits[rank - 1]
        citations.setdefault(rank, Citation(rank, hit.chunk.doc_id, hit.chunk.chunk_id))
        parts.append(f"{sentence} [{rank}]")
    return Answer(
        text=" ".join(parts),
        refused=False,
        citations=[citations[n] for n in sorted(citations)],
        evidence={"best_sentence": round(best, 4)},
    )
