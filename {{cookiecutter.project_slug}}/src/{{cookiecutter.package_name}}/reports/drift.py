"""Query drift: the population stability index (PSI) between two samples of one score, and the
`drift` report over a query log.

Bins are the baseline's deciles, so each holds a tenth of the baseline; PSI sums
``(p_now - p_base) * ln(p_now / p_base)`` over them, with empty bins smoothed. Rules of thumb:
below 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a large one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import RagError

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


def read_log(path: Path) -> list[dict[str, Any]]:
    """The answered questions of a query log (one JSON object per line; a torn last line, as a
    crash leaves it, is skipped)."""
    if not path.is_file():
        raise RagError(
            f"query log {path} not found: set query_log (RAG_QUERY_LOG) on the server to record one"
        )
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and isinstance(row.get("best_evidence"), int | float):
            rows.append(row)
    return rows


def drift_series(rows: list[dict[str, Any]], window: int) -> dict[str, Any]:
    """PSI of each successive window of ``window`` questions against the first one."""
    scores = [float(r["best_evidence"]) for r in rows]
    if len(scores) < 2 * window:
        raise RagError(
            f"{len(scores)} logged questions: drift needs at least two windows of {window} "
            "(a baseline and one to compare); lower --window or wait for more traffic"
        )
    baseline = scores[:window]
    step = max(1, window // 4)
    points = []
    for end in range(2 * window, len(scores) + 1, step):
        current = scores[end - window : end]
        points.append(
            {
                "end": end,
                "until": rows[end - 1].get("ts"),
                "psi": round(psi(baseline, current), 4),
                "best_evidence": round(float(np.mean(current)), 4),
                "refusal_rate": round(
                    float(np.mean([bool(r.get("refused")) for r in rows[end - window : end]])), 4
                ),
            }
        )
    last = points[-1]
    latest = float(last["psi"] or 0.0)
    verdict = (
        "large shift" if latest > LARGE else "moderate shift" if latest > MODERATE else "stable"
    )
    return {
        "questions": len(scores),
        "window": window,
        "baseline": {"from": rows[0].get("ts"), "to": rows[window - 1].get("ts")},
        "points": points,
        "latest": last,
        "verdict": verdict,
        "thresholds": {"moderate": MODERATE, "large": LARGE},
        "_scores": {"baseline": baseline, "latest": scores[-window:]},
    }


def plot(series: dict[str, Any]) -> bytes:
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    points = series["points"]
    left.plot([p["end"] for p in points], [p["psi"] for p in points], marker="o", ms=3)
    left.axhline(MODERATE, color="orange", ls="--", lw=1, label="moderate (0.1)")
    left.axhline(LARGE, color="red", ls="--", lw=1, label="large (0.25)")
    left.set_xlabel("questions logged")
    left.set_ylabel("PSI against the first window")
    left.set_title("Query drift")
    left.legend()
    bins = np.linspace(-0.2, 1.0, 25)
    right.hist(series["_scores"]["baseline"], bins=bins, alpha=0.6, label="baseline window")
    right.hist(series["_scores"]["latest"], bins=bins, alpha=0.6, label="latest window")
    right.set_xlabel("best-evidence similarity")
    right.set_title("How close questions come to the documents")
    right.legend()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def markdown(series: dict[str, Any], log: Path) -> str:
    last = series["latest"]
    return "\n".join(
        [
            "# Query drift",
            "",
            f"`{log}`: {series['questions']} answered questions; windows of {series['window']}. "
            f"Baseline: the first window ({series['baseline']['from']} to "
            f"{series['baseline']['to']}).",
            "",
            f"Latest window (to {last['until']}): PSI {last['psi']:.3f}, **{series['verdict']}** "
            f"(moderate above {MODERATE}, large above {LARGE}); mean best-evidence similarity "
            f"{last['best_evidence']:.3f}, refused {last['refusal_rate']:.3f}.",
            "",
            "![drift](drift.png)",
            "",
        ]
    )
