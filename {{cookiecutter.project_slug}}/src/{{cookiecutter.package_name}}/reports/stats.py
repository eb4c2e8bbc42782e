"""Bootstrap confidence intervals and percentiles, seeded so reruns agree."""

from __future__ import annotations

from collections.abc import Sequence

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
