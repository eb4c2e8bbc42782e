"""Writing an eval run: report.json, report.md, results.jsonl (and conversations.jsonl),
config.json, plots; the README table."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ..core.settings import MODES
from ..reports.runs import new_run_dir, publish_latest, replace_block
from .conversations import markdown_lines
from .metrics import RETRIEVAL_METRICS

README_START = "<!-- results:start -->"
README_END = "<!-- results:end -->"


def _evidence_lines(refusal: dict[str, Any]) -> list[str]:
    """Where the refusal thresholds sit among the best-evidence similarities of the golden set."""
    spread = refusal.get("evidence_dense", {})
    answerable, unanswerable = spread.get("answerable"), spread.get("unanswerable")
    if not answerable:
        return []
    lines = [
        "",
        "Best-evidence similarity (cosine of the question to its closest retrieved chunk), "
        "the signal behind evidence refusals:",
        "",
        "| questions | n | p5 | median | p95 |",
        "|---|---|---|---|---|",
    ]
    for name, row in (("answerable", answerable), ("unanswerable", unanswerable)):
        if row:
            lines.append(
                f"| {name} | {row['n']} | {row['p5']:.3f} | {row['p50']:.3f} | {row['p95']:.3f} |"
            )
    lines += [
        "",
        f"`refusal_threshold` (the floor below which every question is refused) is "
        f"{spread['refusal_threshold']:.2f}; above it the answerability model decides.",
    ]
    model = refusal.get("answerability", {})
    if model:
        cv = model.get("cv_auc")
        auc = model.get("auc")
        lines += [
            "",
            f"Answerability model (threshold {model['threshold']:.3f}, calibrated on "
            f"`{model.get('calibrated_on')}`): cross-validated AUC "
            + (f"{cv:.3f} {model.get('cv_auc_ci95')}" if cv is not None else "not recorded")
            + "; on this golden set "
            + (f"{auc:.3f} {model.get('auc_ci95')}" if auc is not None else "not measurable")
            + (" (in-sample: the model was fitted on this set)" if model.get("in_sample") else "")
            + ".",
        ]
    return lines


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinity replaced by None: report.json is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def _fmt(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _answer_lines(report: dict[str, Any]) -> list[str]:
    intervals = report.get("ci95", {}).get("answers", {})
    lines = []
    for name, value in report["answers"].items():
        ci = intervals.get(name)
        interval = f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "n/a"
        lines.append(f"| {name} | {_fmt(value) if value is not None else 'n/a'} | {interval} |")
    return lines


def retrieval_table(report: dict[str, Any], with_ci: bool = True) -> str:
    lines = [
        "| mode | " + " | ".join(RETRIEVAL_METRICS) + " |",
        "|---" * (len(RETRIEVAL_METRICS) + 1) + "|",
    ]
    for mode in MODES:
        row = report["retrieval"].get(mode, {})
        if "skipped" in row:
            lines.append(
                f"| {mode} | skipped: {row['skipped']} |" + " |" * (len(RETRIEVAL_METRICS) - 1)
            )
            continue
        cells = []
        for name in RETRIEVAL_METRICS:
            cell = _fmt(row[name])
            ci = report.get("ci95", {}).get(mode, {}).get(name)
            if with_ci and ci:
                cell += f" ({ci[0]:.3f}-{ci[1]:.3f})"
            cells.append(cell)
        lines.append(f"| {mode} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def judge_lines(judge: dict[str, Any]) -> list[str]:
    if not judge.get("configured"):
        return [f"LLM-judged metrics: not run ({judge['note']})."]
    lines = [
        f"## Answers judged by `{judge['model']}` ({judge['scored']} answers; {judge['note']})",
        "",
        "| metric | value | 95% CI |",
        "|---|---|---|",
    ]
    for name, value in judge["metrics"].items():
        low, high = judge["ci95"][name]
        lines.append(f"| {name} | {value:.3f} | {low:.3f}-{high:.3f} |")
    return lines


def _interval(entry: dict[str, Any]) -> str:
    if entry.get("rate") is None:
        return "- (n 0)"
    low, high = entry["ci95"]
    return f"{entry['rate']:.3f} [{low:.3f}, {high:.3f}] (n {entry['n']})"


def safety_lines(safety: dict[str, Any]) -> list[str]:
    """The safety section: the benign bank, attack recall on the detector's test and blind splits
    per category, and the refusal model; every rate with its 95 % Wilson interval."""
    bank = safety["benign_bank"]
    lines = [
        "## Safety (input rail and refusals; 95% Wilson intervals)",
        "",
        f"Benign bank questions stopped by the input rail: {_interval(bank['stopped'])}; "
        f"on its test split {_interval(bank['by_split']['test'])}. Answerable golden questions "
        f"blocked: {safety['golden_answerable_false_block_rate']:.3f}.",
        "",
        "| attacks stopped | test split | blind split |",
        "|---|---|---|",
    ]
    test, blind = safety["by_detector_split"]["test"], safety["by_detector_split"]["blind"]
    lines.append(
        f"| all | {_interval(test['attacks_stopped'])} | {_interval(blind['attacks_stopped'])} |"
    )
    for category in sorted(set(test["by_category"]) | set(blind["by_category"])):
        lines.append(
            f"| {category} | {_interval(test['by_category'].get(category, {}))} | "
            f"{_interval(blind['by_category'].get(category, {}))} |"
        )
    lines += [
        "",
        f"Benign questions of the pack stopped: test split {_interval(test['benign_stopped'])}, "
        f"blind split {_interval(blind['benign_stopped'])}. The whole pack passes "
        f"{safety['pass_rate']:.3f} of {safety['n']} cases.",
    ]
    model = safety.get("refusal_model", {})
    if model.get("cv_auc") is not None:
        lines += [
            "",
            f"Refusal (answerability) model: cross-validated AUC {model['cv_auc']:.3f} "
            f"{model.get('cv_auc_ci95')} on `{model.get('calibrated_on')}`.",
        ]
    return [*lines, ""]


def markdown(report: dict[str, Any]) -> str:
    g = report["golden"]
    out = [
        "# Evaluation report",
        "",
        f"Golden set `{g['path']}` (sha256 {g['sha256'][:12]}): {g['n']} questions, "
        f"{g['answerable']} answerable, {g['unanswerable']} unanswerable. "
        f"Index: {report['index']['documents']} documents, {report['index']['chunks']} chunks. "
        f"Served mode: `{report['pipeline']['mode']}` (effective `{report['pipeline']['effective_mode']}`).",
        "",
        "## Retrieval (document level, answerable questions; 95% bootstrap interval)",
        "",
        retrieval_table(report),
        "",
        "## Refusals",
        "",
        "| unanswerable refused | answerable wrongly refused |",
        "|---|---|",
        f"| {report['refusal']['unanswerable_refusal_rate']:.3f} | "
        f"{report['refusal']['answerable_false_refusal_rate']:.3f} |",
        *_evidence_lines(report["refusal"]),
        "",
        "## Answers (ragas, no LLM; answerable questions, a refusal scores as given)",
        "",
        "| metric | value | 95% CI |",
        "|---|---|---|",
        *_answer_lines(report),
        "",
        *judge_lines(report["judge"]),
        "",
        "## By tag (served mode)",
        "",
        "| tag | n | nDCG@10 | answered | unanswerable refused |",
        "|---|---|---|---|---|",
    ]
    for tag, entry in report["by_tag"].items():
        out.append(
            f"| {tag} | {entry['n']} | {_fmt(entry.get('ndcg@10', '-'))} | "
            f"{_fmt(entry.get('answered_rate', '-'))} | {_fmt(entry.get('refusal_rate', '-'))} |"
        )
    out += [
        "",
        "## Latency per stage (ms, warm, one process)",
        "",
        "| stage | p50 | p95 |",
        "|---|---|---|",
    ]
    for stage, value in report["latency_ms"].items():
        if "skipped" in value:
            out.append(f"| {stage} | skipped: {value['skipped']} | |")
        else:
            out.append(f"| {stage} | {value['p50']:.1f} | {value['p95']:.1f} |")
    if "conversations" in report:
        out += ["", *markdown_lines(report["conversations"])]
    if "safety" in report:
        out += ["", *safety_lines(report["safety"])]
    out += ["", "## Gate", ""]
    gate = report.get("gate", {})
    if gate.get("breaches"):
        out += [f"- FAILED: {b}" for b in gate["breaches"]]
    else:
        out.append(f"Passed ({gate.get('checked', 0)} thresholds from `{gate.get('thresholds')}`).")
    out += ["", "![metrics](metrics.png)", "", "![latency](latency.png)", ""]
    return "\n".join(out)


def plots(report: dict[str, Any], folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    modes = [m for m in MODES if "skipped" not in report["retrieval"].get(m, {"skipped": 1})]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / max(1, len(modes))
    x = np.arange(len(RETRIEVAL_METRICS))
    for i, mode in enumerate(modes):
        vals = [report["retrieval"][mode][m] for m in RETRIEVAL_METRICS]
        cis = [report["ci95"][mode][m] for m in RETRIEVAL_METRICS]
        err = [
            [v - c[0] for v, c in zip(vals, cis, strict=True)],
            [c[1] - v for v, c in zip(vals, cis, strict=True)],
        ]
        ax.bar(x + i * width, vals, width, yerr=err, capsize=3, label=mode)
    ax.set_xticks(x + width * (len(modes) - 1) / 2, RETRIEVAL_METRICS)
    ax.set_ylim(0, 1)
    ax.set_ylabel("score (95% CI)")
    ax.set_title("Retrieval by mode (document level)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(folder / "metrics.png", dpi=110)
    plt.close(fig)

    stages = [s for s, v in report["latency_ms"].items() if "p50" in v]
    fig, ax = plt.subplots(figsize=(9, 4))
    x = np.arange(len(stages))
    ax.bar(x - 0.2, [report["latency_ms"][s]["p50"] for s in stages], 0.4, label="p50")
    ax.bar(x + 0.2, [report["latency_ms"][s]["p95"] for s in stages], 0.4, label="p95")
    ax.set_xticks(x, stages)
    ax.set_ylabel("ms")
    ax.set_title("Latency per stage")
    ax.legend()
    fig.tight_layout()
    fig.savefig(folder / "latency.png", dpi=110)
    plt.close(fig)


def write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_run(
    out_dir: Path,
    report: dict[str, Any],
    rows: list[dict[str, Any]],
    config: dict[str, Any],
    conversation_rows: list[dict[str, Any]] | None = None,
) -> Path:
    """Write a timestamped run folder and refresh ``latest/``; return the run folder."""
    run = new_run_dir(out_dir)
    (run / "report.json").write_text(
        json.dumps(finite(report), indent=2, allow_nan=False), encoding="utf-8"
    )
    (run / "report.md").write_text(markdown(report), encoding="utf-8")
    (run / "config.json").write_text(json.dumps(config, indent=2, default=str), encoding="utf-8")
    write_rows(run / "results.jsonl", rows)
    if conversation_rows:
        write_rows(run / "conversations.jsonl", conversation_rows)
    plots(report, run)
    publish_latest(out_dir, run)
    return run


def readme_block(report: dict[str, Any]) -> str:
    g = report["golden"]
    lines = [
        f"Measured by `make eval` on {g['n']} golden questions ({g['answerable']} answerable, "
        f"{g['unanswerable']} unanswerable) over {report['index']['documents']} documents "
        f"({report['index']['chunks']} chunks). Document-level retrieval, answerable questions:",
        "",
        retrieval_table(report, with_ci=False),
        "",
        f"Refusals: {report['refusal']['unanswerable_refusal_rate']:.3f} of unanswerable questions refused, "
        f"{report['refusal']['answerable_false_refusal_rate']:.3f} of answerable questions wrongly refused. "
        f"Latency (warm, one process): retrieve p95 {report['latency_ms']['retrieve']['p95']:.1f} ms, "
        f"total p95 {report['latency_ms']['total']['p95']:.1f} ms.",
    ]
    return "\n".join(lines)


def update_readme(readme: Path, report: dict[str, Any]) -> bool:
    """Replace the results block in ``readme``; False when the file has no block."""
    return replace_block(readme, README_START, README_END, readme_block(report))
