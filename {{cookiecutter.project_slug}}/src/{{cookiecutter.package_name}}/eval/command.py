"""`eval`: run the golden set, write the run folder, apply the gate, refresh the README table."""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import RagError
from .conversations import load_conversations, run_ablation, section
from .gate import Breach, check, load_thresholds
from .golden import content_hash, load_golden
from .judge import build_judge
from .report import update_readme, write_run
from .runner import Progress, run
from .safety import Service

if TYPE_CHECKING:
    from ..pipeline import Pipeline

SECRET_KEYS = ("api_key", "token", "password")


def public_settings(pipeline: Pipeline) -> dict[str, Any]:
    """Settings as written next to a report: secrets are replaced by whether they are set."""
    data = pipeline.settings.model_dump(mode="json")
    for key in data:
        if any(word in key for word in SECRET_KEYS) and data[key] is not None:
            data[key] = "<set>"
    return data


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
    use_judge: bool | None = None,
    experiment: Path | None = None,
    prices: Path | None = Path("configs/prices.yaml"),
    service: Service | None = None,
    conversations: Path | None = None,
) -> EvalOutcome:
    """``use_judge`` None means: use the LLM judge when one is configured. ``safety_dir`` runs
    the safety pack too, through ``service`` (the web service's app factory and log format)."""
    if safety_dir is not None and service is None:
        raise RagError("the safety pack runs through the HTTP service: pass its app factory")
    if use_judge is None:
        use_judge = pipeline.settings.judge_configured
    items = load_golden(golden_path)
    thresholds = (
        load_thresholds(thresholds_path) if thresholds_path and thresholds_path.is_file() else None
    )
    judge = build_judge(pipeline.settings, pipeline.embedder) if use_judge else None
    sections, rows = run(pipeline, items, progress, judge, content_hash(golden_path))
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
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "experiment": str(experiment) if experiment else None,
        **sections,
        **(
            {"safety": _safety(pipeline, safety_dir, service, sections, rows, progress)}
            if safety_dir and service
            else {}
        ),
        "index": status["index"],
        "models": {"embedder": status["embedder"], "reranker": status["reranker"]},
    }
    report["cost"] = _cost(pipeline, rows, prices)
    conv_rows: list[dict[str, Any]] = []
    if conversations is not None:
        summary, conv_rows = run_ablation(pipeline, load_conversations(conversations))
        report["conversations"] = section(conversations, summary)
    breaches = check(report, thresholds) if thresholds else []
    report["gate"] = {
        "thresholds": str(thresholds_path) if thresholds else None,
        "checked": sum(len(v) for v in thresholds.values()) if thresholds else 0,
        "breaches": [str(b) for b in breaches],
    }
    config = {"settings": public_settings(pipeline), "models": report["models"]}
    run_dir = write_run(out_dir, report, rows, config, conv_rows)
    updated = update_readme(readme, report) if readme else False
    return EvalOutcome(report, run_dir, breaches, updated)


def _safety(
    pipeline: Pipeline,
    folder: Path,
    service: Service,
    sections: dict[str, Any],
    rows: list[dict[str, Any]],
    progress: Progress | None,
) -> dict[str, Any]:
    from .safety import bank_false_blocks, load_pack, run_pack

    summary, case_rows = run_pack(pipeline, load_pack(folder), service, progress)
    summary["benign_bank"] = bank_false_blocks(pipeline, folder)
    summary["golden_answerable_false_block_rate"] = sections["refusal"]["answerable_blocked_rate"]
    summary["refusal_model"] = sections["refusal"]["answerability"]
    summary["failures"] = [r for r in case_rows if not r["passed"]]
    return summary


def _cost(pipeline: Pipeline, rows: list[dict[str, Any]], prices: Path | None) -> dict[str, Any]:
    from ..reports.cost import ingest_tokens, load_prices, mean_tokens, price_table
    from ..retrieval.stores.factory import manifest_with_documents

    tokens = [r["tokens"] for r in rows]
    if prices is None or not prices.is_file():
        return {"note": f"no price file at {prices}", "tokens_per_query": mean_tokens(tokens)}
    currency, chat, embed = load_prices(prices)
    table = price_table(
        mean_tokens(tokens),
        ingest_tokens(manifest_with_documents(pipeline.store)),
        currency,
        chat,
        embed,
    )
    return {"prices": str(prices), **table}


def machine() -> dict[str, Any]:
    import torch

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpus": cpus or 1,
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(terse=True),
    }
