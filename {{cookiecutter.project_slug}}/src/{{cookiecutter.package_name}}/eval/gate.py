"""The quality gate: minimums and maximums over report.json paths, kept in eval/thresholds.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..core.errors import RagError

METRIC_MARGIN = 0.02
LATENCY_FACTOR = 3.0  # generous: latency on shared CI machines is noisy
DEFAULT_MIN = [
    "pipeline.ndcg@10",
    "pipeline.recall@5",
    "pipeline.hit@1",
    "refusal.unanswerable_refusal_rate",
]
DEFAULT_MAX = [
    "refusal.answerable_false_refusal_rate",
    "latency_ms.retrieve.p95",
    "latency_ms.total.p95",
]


@dataclass
class Breach:
    path: str
    value: float | None
    bound: float
    kind: str

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.path}: missing from the report (threshold {self.kind} {self.bound})"
        sign = "below the minimum" if self.kind == "min" else "above the maximum"
        return f"{self.path} = {self.value:.4f} is {sign} {self.bound:.4f}"


def lookup(report: dict[str, Any], path: str) -> float | None:
    node: Any = report
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, int | float) else None


def load_thresholds(path: Path) -> dict[str, dict[str, float]]:
    if not path.is_file():
        raise RagError(f"thresholds file {path} not found: run `make eval-baseline` to create it")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {"min": dict(data.get("min") or {}), "max": dict(data.get("max") or {})}


def check(report: dict[str, Any], thresholds: dict[str, dict[str, float]]) -> list[Breach]:
    breaches = []
    for path, bound in thresholds["min"].items():
        value = lookup(report, path)
        if value is None or value < bound:
            breaches.append(Breach(path, value, float(bound), "min"))
    for path, bound in thresholds["max"].items():
        value = lookup(report, path)
        if value is None or value > bound:
            breaches.append(Breach(path, value, float(bound), "max"))
    return breaches


# Safety: the pass rate is held at its measured level (a regression floor); the false-block rate
# and PII in logs are held at the targets the project commits to.
SAFETY_MAX = {
    "safety.benign_false_block_rate": 0.02,
    "safety.golden_answerable_false_block_rate": 0.02,
    "safety.pii_in_logs": 0,
}
# Latency budgets: measured p95 times LATENCY_FACTOR, but never tighter than these floors, since
# shared CI machines are noisy.
LATENCY_FLOOR_MS = {"latency_ms.retrieve.p95": 150.0, "latency_ms.total.p95": 3000.0}


def baseline(report: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Thresholds from a report: metrics minus METRIC_MARGIN, latencies times LATENCY_FACTOR,
    and the fixed safety targets when the report has a safety section."""
    out: dict[str, dict[str, float]] = {"min": {}, "max": {}}
    if "safety" in report:
        out["min"]["safety.pass_rate"] = round(
            max(0.0, report["safety"]["pass_rate"] - METRIC_MARGIN), 4
        )
        out["max"].update(SAFETY_MAX)
    for path in DEFAULT_MIN:
        value = lookup(report, path)
        if value is not None:
            out["min"][path] = round(max(0.0, value - METRIC_MARGIN), 4)
    for path in DEFAULT_MAX:
        value = lookup(report, path)
        if value is None:
            continue
        if path.startswith("latency_ms"):
            out["max"][path] = round(
                max(value * LATENCY_FACTOR, LATENCY_FLOOR_MS.get(path, 0.0)), 1
            )
        else:
            out["max"][path] = round(min(1.0, value + METRIC_MARGIN), 4)
    return out


def write_thresholds(path: Path, thresholds: dict[str, dict[str, float]], source: str) -> None:
    header = (
        "# Quality gate for `make eval`: it fails when a value in report.json is below a minimum\n"
        "# or above a maximum. Written by `make eval-baseline` from " + source + ":\n"
        f"# metrics minus {METRIC_MARGIN}, latencies times {LATENCY_FACTOR}. Edit by hand to tighten.\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + yaml.safe_dump(thresholds, sort_keys=True), encoding="utf-8")
