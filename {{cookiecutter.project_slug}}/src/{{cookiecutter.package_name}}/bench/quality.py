"""Quality and latency summaries the bench computes for every store it measures."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..eval.golden import GoldenItem
from ..eval.metrics import RANKING_DEPTH, dedupe, ndcg_at, recall_at
from ..pipeline import Pipeline


def ranking_quality(
    items: list[GoldenItem], ranked_for: Callable[[str], list[str]]
) -> dict[str, float]:
    answerable = [i for i in items if i.answerable]
    ndcg, recall = [], []
    for item in answerable:
        ranked = dedupe(ranked_for(item.question))[:10]
        relevant = set(item.relevant_ids)
        ndcg.append(ndcg_at(ranked, relevant, 10))
        recall.append(recall_at(ranked, relevant, 5))
    return {
        "ndcg@10": round(float(np.mean(ndcg)), 4) if ndcg else 0.0,
        "recall@5": round(float(np.mean(recall)), 4) if recall else 0.0,
    }


def ranker(pipeline: Pipeline, mode: str) -> Callable[[str], list[str]]:
    def run(question: str) -> list[str]:
        hits = pipeline.search(question, mode, RANKING_DEPTH).retrieval.hits
        return [h.chunk.doc_id for h in hits]

    return run
