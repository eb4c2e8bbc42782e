"""Bootstrap confidence intervals and percentiles, seeded so reruns agree."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

SEED = 20240601
RESAMPLES = 2000


def bootstrap_ci(
    values: Sequence[float], level: float = 0.95, seed: int = SEED
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean."""
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return (0.0, 0.0)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(RESAMPLES, data.size))].mean(axis=1)
    tail = (1.0 - level) / 2.0
    return (float(np.quantile(means, tail)), float(np.quantile(means, 1.0 - tail)))


def wilson(successes: int, n: int, z: float = 1.96) -> list[float] | None:
    """95 % Wilson interval of a proportion (None when n is 0)."""
    if n == 0:
        return None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)]


def rate(successes: int, n: int) -> dict[str, Any]:
    """A proportion with its count and 95 % Wilson interval (``rate`` None when n is 0)."""
    return {"rate": round(successes / n, 4) if n else None, "n": n, "ci95": wilson(successes, n)}


def percentiles(
    values: Sequence[float], qs: Sequence[int] = (50, 95), digits: int | None = None
) -> dict[str, float]:
    """``{"p50": ..., "p95": ...}`` (the percentiles ``qs``), rounded to ``digits`` when given;
    zeros for no values. The one percentile helper every report uses."""
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return {f"p{q}": 0.0 for q in qs}
    found = {f"p{q}": float(np.percentile(data, q)) for q in qs}
    return {k: round(v, digits) for k, v in found.items()} if digits is not None else found
