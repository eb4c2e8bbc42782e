"""Document-level retrieval metrics: pure functions of a ranked list and a relevant set.

Chunks are mapped to their document first (``dedupe``: first occurrence kept, rank order kept);
relevance is binary.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

RETRIEVAL_METRICS = ("recall@5", "recall@10", "mrr@10", "ndcg@10", "hit@1")
RANKING_DEPTH = 50  # chunks fetched per query before mapping them to documents


def dedupe(doc_ids: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for doc_id in doc_ids:
        if doc_id not in seen:
            seen.add(doc_id)
            out.append(doc_id)
    return out


def recall_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def mrr_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    for rank, doc_id in enumerate(ranked[:k], start=1):
        if doc_id in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if d in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal if ideal else 0.0


def hit_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return 1.0 if set(ranked[:k]) & relevant else 0.0


def retrieval_scores(ranked: Sequence[str], relevant: set[str]) -> dict[str, float]:
    """All headline metrics for one question (``ranked`` already de-duplicated)."""
    return {
        "recall@5": recall_at(ranked, relevant, 5),
        "recall@10": recall_at(ranked, relevant, 10),
        "mrr@10": mrr_at(ranked, relevant, 10),
        "ndcg@10": ndcg_at(ranked, relevant, 10),
        "hit@1": hit_at(ranked, relevant, 1),
    }
