"""Rank fusion: pure functions over ranked lists of (item, score)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

T = TypeVar("T", bound=Hashable)


def rrf(
    rankings: Sequence[Sequence[tuple[T, float]]],
    k: int = 60,
    weights: Sequence[float] | None = None,
) -> list[tuple[T, float]]:
    """Reciprocal rank fusion (Cormack et al. 2009): score(d) = sum of w / (k + rank).

    Ranks start at 1; ``weights`` (default all 1) scale each list's contribution. Ties are broken by the item's best rank, then by first appearance, so the
    result does not depend on the order of ``rankings``.
    """
    scores: dict[T, float] = {}
    best_rank: dict[T, int] = {}
    weights = weights if weights is not None else [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, (item, _score) in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            best_rank[item] = min(best_rank.get(item, rank), rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], best_rank[kv[0]], str(kv[0])))


def min_max(ranking: Sequence[tuple[T, float]]) -> dict[T, float]:
    """Scale scores to [0, 1]; a list whose scores are all equal maps to 1.0."""
    if not ranking:
        return {}
    values = [s for _, s in ranking]
    low, high = min(values), max(values)
    span = high - low
    return {item: (1.0 if span == 0 else (s - low) / span) for item, s in ranking}


def weighted(
    rankings: Sequence[Sequence[tuple[T, float]]], weights: Sequence[float]
) -> list[tuple[T, float]]:
    """Convex combination of min-max normalised scores; an item missing from a list gets 0 there."""
    if len(rankings) != len(weights):
        raise ValueError("one weight per ranking")
    scores: dict[T, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for item, score in min_max(ranking).items():
            scores[item] = scores.get(item, 0.0) + weight * score
    return sorted(scores.items(), key=lambda kv: (-kv[1], str(kv[0])))
