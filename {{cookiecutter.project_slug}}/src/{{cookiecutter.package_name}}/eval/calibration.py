"""`make calibrate`: fit the answerability model on a golden set and say how well it separates.

Each golden question is retrieved as `ask` retrieves it and its evidence features computed;
unanswerable questions (no relevant_ids) are the positives. A logistic regression on
standardised features is scored by stratified cross-validation (out-of-fold probabilities), the
AUC is reported with a bootstrap interval, and the threshold is chosen on the out-of-fold
probabilities by a stated rule: refuse as many unanswerable questions as possible while
answerable questions wrongly refused (dense floor included) stay at or under
``MAX_FALSE_REFUSAL``. The model refitted on every question is written with that threshold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.errors import RagError
from ..generation.answerability import AnswerabilityModel, logistic
from ..generation.evidence import FEATURES
from ..reports.runs import new_run_dir, publish_latest
from .golden import GoldenItem, content_hash

if TYPE_CHECKING:
    from ..pipeline import Pipeline

MAX_FALSE_REFUSAL = 0.05
FOLDS = 5
SEED = 7
RESAMPLES = 1000
C = 1.0


class CalibrationError(RagError):
    """The golden set cannot calibrate a refusal model (too few questions of a kind)."""


@dataclass
class Collected:
    x: np.ndarray  # questions x FEATURES
    y: np.ndarray  # 1 = unanswerable
    dense: np.ndarray
    ids: list[str]


def collect(pipeline: Pipeline, items: list[GoldenItem]) -> Collected:
    rows, ys, dense, ids = [], [], [], []
    for item in items:
        evidence = pipeline.evidence_for(item.question)
        rows.append([evidence.get(name, 0.0) for name in FEATURES])
        dense.append(evidence.get("dense", 0.0))
        ys.append(0 if item.answerable else 1)
        ids.append(item.id)
    return Collected(np.asarray(rows, float), np.asarray(ys, int), np.asarray(dense, float), ids)


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(mean, scale, coef, intercept) of a logistic regression on standardised features."""
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=2000, random_state=SEED)
    model.fit((x - mean) / scale, y)
    return mean, scale, model.coef_[0], float(model.intercept_[0])


def out_of_fold(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold

    folds = StratifiedKFold(
        n_splits=min(FOLDS, int(y.sum()), int((1 - y).sum())), shuffle=True, random_state=SEED
    )
    probs = np.zeros(len(y))
    for train, test in folds.split(x, y):
        probs[test] = logistic(x[test], *fit(x[train], y[train]))
    return probs


def auc_interval(y: np.ndarray, probs: np.ndarray) -> tuple[float, list[float]]:
    """ROC AUC and its 95 % bootstrap interval (resampling questions, both classes kept)."""
    from sklearn.metrics import roc_auc_score

    auc = float(roc_auc_score(y, probs))
    rng = np.random.default_rng(SEED)
    values = []
    for _ in range(RESAMPLES):
        idx = rng.integers(0, len(y), len(y))
        if 0 < y[idx].sum() < len(idx):
            values.append(roc_auc_score(y[idx], probs[idx]))
    return auc, [
        round(float(np.quantile(values, 0.025)), 4),
        round(float(np.quantile(values, 0.975)), 4),
    ]


def operating_point(
    y: np.ndarray,
    probs: np.ndarray,
    floor_refused: np.ndarray,
    max_false: float = MAX_FALSE_REFUSAL,
) -> dict[str, float]:
    """The threshold that refuses the most unanswerable questions with answerable false
    refusals at or under ``max_false`` (the highest such threshold on a tie)."""
    best: dict[str, float] | None = None
    for t in sorted(set(np.round(probs, 6).tolist()) | {1.0 + 1e-9}, reverse=True):
        refused = floor_refused | (probs >= t)
        false = float(refused[y == 0].mean())
        caught = float(refused[y == 1].mean())
        if false <= max_false and (best is None or caught > best["unanswerable_refused"]):
            best = {
                "threshold": float(t),
                "unanswerable_refused": caught,
                "answerable_refused": false,
            }
    assert best is not None  # the highest threshold refuses nothing beyond the floor
    return {k: round(v, 4) for k, v in best.items()}


def calibrate(
    pipeline: Pipeline, items: list[GoldenItem], golden: Path, out: Path, reports: Path
) -> dict[str, Any]:
    """Fit, cross-validate, choose the threshold, write the model and a report run folder."""
    data = collect(pipeline, items)
    positives = int(data.y.sum())
    if positives < 5 or len(data.y) - positives < 5:
        raise CalibrationError(
            f"{golden} has {positives} unanswerable and {len(data.y) - positives} answerable "
            "questions: calibration needs at least 5 of each"
        )
    probs = out_of_fold(data.x, data.y)
    auc, interval = auc_interval(data.y, probs)
    floor = data.dense < pipeline.settings.refusal_threshold
    point = operating_point(data.y, probs, floor)
    mean, scale, coef, intercept = fit(data.x, data.y)
    meta = {
        "golden": str(golden),
        "golden_sha256": content_hash(golden),
        "n": len(data.y),
        "unanswerable": positives,
        "rule": f"most unanswerable refused with answerable false refusals <= {MAX_FALSE_REFUSAL} "
        f"(out-of-fold, {FOLDS}-fold stratified CV, dense floor {pipeline.settings.refusal_threshold})",
        "cv_auc": round(auc, 4),
        "cv_auc_ci95": interval,
        "cv_unanswerable_refused": point["unanswerable_refused"],
        "cv_answerable_refused": point["answerable_refused"],
    }
    model = AnswerabilityModel(
        FEATURES,
        tuple(round(float(v), 6) for v in mean),
        tuple(round(float(v), 6) for v in scale),
        tuple(round(float(v), 6) for v in coef),
        round(intercept, 6),
        point["threshold"],
        meta,
    )
    model.save(out)
    run = new_run_dir(reports)
    _plots(data.y, probs, run)
    report = {
        "model": str(out),
        **meta,
        "threshold": point["threshold"],
        "coef": dict(zip(FEATURES, model.coef, strict=True)),
    }
    (run / "calibration.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    publish_latest(reports, run)
    return report


def _plots(y: np.ndarray, probs: np.ndarray, run: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve, roc_curve

    fpr, tpr, _ = roc_curve(y, probs)
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot(fpr, tpr, label="answerability model (out-of-fold)")
    ax.plot([0, 1], [0, 1], linestyle=":", color="grey")
    ax.set(
        xlabel="answerable refused (false positive rate)",
        ylabel="unanswerable refused (recall)",
        title="ROC",
    )
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(run / "roc.png", dpi=110)
    plt.close(fig)
    precision, recall, _ = precision_recall_curve(y, probs)
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot(recall, precision)
    ax.axhline(float(y.mean()), linestyle=":", color="grey", label="share unanswerable")
    ax.set(xlabel="recall (unanswerable refused)", ylabel="precision", title="Precision-recall")
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(run / "pr.png", dpi=110)
    plt.close(fig)
