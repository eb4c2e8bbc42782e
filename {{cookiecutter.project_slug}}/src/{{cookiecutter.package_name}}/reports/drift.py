"""Population stability index (PSI) between two samples of one score.

Bins are the baseline's deciles, so each holds a tenth of the baseline; PSI sums
``(p_now - p_base) * ln(p_now / p_base)`` over them, with empty bins smoothed. Rules of thumb:
below 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a large one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BINS = 10
SMOOTHING = 1e-4
MODERATE, LARGE = 0.1, 0.25


def psi(baseline: Sequence[float], current: Sequence[float], bins: int = BINS) -> float:
    base = np.asarray(baseline, dtype=np.float64)
    now = np.asarray(current, dtype=np.float64)
    if base.size < 2 or now.size == 0:
        return 0.0
    inner = np.unique(np.quantile(base, np.linspace(0, 1, bins + 1)[1:-1]))
    p_base = np.bincount(np.searchsorted(inner, base, side="right"), minlength=inner.size + 1)
    p_now = np.bincount(np.searchsorted(inner, now, side="right"), minlength=inner.size + 1)
    p = np.maximum(p_base / base.size, SMOOTHING)
    q = np.maximum(p_now / now.size, SMOOTHING)
    return float(np.sum((q - p) * np.log(q / p)))
