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


def percentiles(values: Sequence[float]) -> dict[str, float]:
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return {"p50": 0.0, "p95": 0.0}
    return {"p50": float(np.percentile(data, 50)), "p95": float(np.percentile(data, 95))}
