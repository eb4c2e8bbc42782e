"""`eval`: run the golden set, write the run folder, apply the gate, refresh the README table."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .gate import Breach, check, load_thresholds
from .golden import content_hash, load_golden
from .report import update_readme, write_run
from .runner import Progress, run

if TYPE_CHECKING:
    from ..pipeline import Pipeline

JUDGE_NOTE = (
    "not run: faithfulness, answer relevancy and LLM context precision/recall need an LLM judge, "
    "and this project computes only metrics it can reproduce offline"
)


@dataclass
class EvalOutcome:
    report: dict[str, Any]
    run_dir: Path
    breaches: list[Breach] = field(default_factory=list)
    readme_updated: bool = False


def evaluate(
    pipeline: Pipeline,
    golden_path: Path,
    out_dir: Path,
    thresholds_path: Path | None,
    readme: Path | None = None,
    progress: Progress | None = None,
    safety_dir: Path | None = None,
) -> EvalOutcome:
    items = load_golden(golden_path)
    thresholds = (
        load_thresholds(thresholds_path) if thresholds_path and thresholds_path.is_file() else None
    )
    sections, rows = run(pipeline, items, progress)
    status = pipeline.status()
    report: dict[str, Any] = {
        "schema_version": sections.pop("schema_version"),
        "golden": {
            "path": str(golden_path),
            "sha256": content_hash(golden_path),
            "n": len(items),
            "answerable": sum(i.answerable for i in items),
            "unanswerable": sum(not i.answerable for i in items),
        },
        **sections,
        "judge": JUDGE_NOTE,
        **(
            {"safety": _safety(pipeline, safety_dir, sections, rows, progress)}
            if safety_dir
            else {}
        ),
        "index": status["index"],
        "models": {"embedder": status["embedder"], "reranker": status["reranker"]},
    }
    breaches = check(report, thresholds) if thresholds else []
    report["gate"] = {
        "thresholds": str(thresholds_path) if thresholds else None,
        "checked": sum(len(v) for v in thresholds.values()) if thresholds else 0,
        "breaches": [str(b) for b in breaches],
    }
    config = {"settings": pipeline.settings.model_dump(mode="json"), "models": report["models"]}
    run_dir = write_run(out_dir, report, rows, config)
    updated = update_readme(readme, report) if readme else False
    return EvalOutcome(report, run_dir, breaches, updated)


def _safety(
    pipeline: Pipeline,
    folder: Path,
    sections: dict[str, Any],
    rows: list[dict[str, Any]],
    progress: Progress | None,
) -> dict[str, Any]:
    from .safety import load_pack, run_pack

    summary, case_rows = run_pack(pipeline, load_pack(folder), progress)
    summary["golden_answerable_false_block_rate"] = sections["refusal"]["answerable_blocked_rate"]
    summary["failures"] = [r for r in case_rows if not r["passed"]]
    return summary
