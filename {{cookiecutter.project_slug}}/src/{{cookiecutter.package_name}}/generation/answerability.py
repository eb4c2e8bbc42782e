"""Refusal as a calibrated answerability model over the evidence features.

A logistic regression on standardised ``evidence.FEATURES`` gives P(unanswerable); the question
is refused when it reaches the threshold. Both come from ``make calibrate`` on a golden set
(``eval/calibration.py``), which picks the threshold by a stated rule: refuse as many
unanswerable questions as possible while answerable questions wrongly refused stay at or under
``max_false_refusal`` in cross-validation. The model is a small JSON file whose sha256 is
recorded beside it, checked at load like the other models.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import ModelUnavailableError
from .evidence import FEATURES


def logistic(
    x: np.ndarray, mean: np.ndarray, scale: np.ndarray, coef: np.ndarray, intercept: float
) -> np.ndarray:
    """P(unanswerable) for each row of standardised-feature input ``x`` (rows x features)."""
    z = ((np.asarray(x, dtype=float) - mean) / scale) @ coef + intercept
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0))))


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AnswerabilityModel:
    """P(unanswerable) = sigmoid(intercept + sum(coef * (x - mean) / scale))."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    meta: dict[str, Any]

    @classmethod
    def neutral(cls) -> AnswerabilityModel:
        """A model that never refuses: what `make calibrate` collects evidence with."""
        n = len(FEATURES)
        return cls(FEATURES, (0.0,) * n, (1.0,) * n, (0.0,) * n, 0.0, 1.01, {"neutral": True})

    def probability(self, evidence: dict[str, float]) -> float:
        row = np.array([[float(evidence.get(name, 0.0)) for name in self.features]])
        return float(
            logistic(
                row, np.array(self.mean), np.array(self.scale), np.array(self.coef), self.intercept
            )[0]
        )

    def to_json(self) -> dict[str, Any]:
        body = {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "threshold": self.threshold,
            "meta": self.meta,
        }
        return {**body, "sha256": _digest(body)}

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> AnswerabilityModel:
        if not path.is_file():
            raise ModelUnavailableError(
                f"answerability model {path} is missing: run `make calibrate` on your golden set"
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            body = {k: v for k, v in data.items() if k != "sha256"}
            if data.get("sha256") != _digest(body):
                raise ModelUnavailableError(
                    f"answerability model {path} does not match its recorded sha256: "
                    "run `make calibrate`"
                )
            if tuple(data["features"]) != FEATURES:
                raise ModelUnavailableError(
                    f"answerability model {path} was fitted on other features: run `make calibrate`"
                )
            return cls(
                tuple(data["features"]),
                tuple(float(x) for x in data["mean"]),
                tuple(float(x) for x in data["scale"]),
                tuple(float(x) for x in data["coef"]),
                float(data["intercept"]),
                float(data["threshold"]),
                dict(data.get("meta", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelUnavailableError(
                f"answerability model {path} is damaged ({type(exc).__name__}): run `make calibrate`"
            ) from None
