"""Evaluation commands: eval, eval-baseline, eval-compare, judge-check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from .common import (
    EXIT_GATE,
    ConfigOpt,
    IndexOpt,
    ModeOpt,
    app,
    err,
    fail,
    load_pipeline,
    one_line_errors,
    out,
    progress_bars,
    settings_from,
)


def web_service() -> Any:
    """The app factory and log format the safety pack runs through."""
    from ..eval.safety import Service
    from ..service.app import create_app
    from ..service.observability import JsonFormatter

    return Service(create_app, JsonFormatter())


@app.command("eval")
def eval_command(
    golden: Annotated[Path, typer.Option("--golden", help="Golden set (JSONL).")] = Path(
        "data/golden/golden.jsonl"
    ),
    index: IndexOpt = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Reports folder.")] = Path("reports/eval"),
    thresholds: Annotated[
        Path | None,
        typer.Option("--thresholds", help="Quality gate (YAML); omit to skip the gate."),
    ] = None,
    readme: Annotated[
        Path | None, typer.Option("--readme", help="README whose results block to refresh.")
    ] = None,
    safety: Annotated[
        Path | None, typer.Option("--safety", help="Safety pack folder (*.jsonl) to run as well.")
    ] = None,
    judge: Annotated[
        bool | None,
        typer.Option(
            "--judge/--no-judge",
            help="LLM-judged metrics; default: on when RAG_JUDGE_BASE_URL and RAG_JUDGE_MODEL are set.",
        ),
    ] = None,
    conversations: Annotated[
        Path | None,
        typer.Option(
            "--conversations",
            help="Golden conversations (JSONL): adds the follow-up ablation (none/concat/rewrite).",
        ),
    ] = None,
    mode: ModeOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Evaluate on a golden set: ablations, refusals, answer metrics, latency; apply the gate."""
    from ..eval.command import evaluate

    settings = settings_from(config, index_dir=index, mode=mode)
    with one_line_errors():
        pipeline = load_pipeline(settings)
        with progress_bars(14, False) as on_progress:
            outcome = evaluate(
                pipeline,
                golden,
                out_dir,
                thresholds,
                readme,
                on_progress,
                safety,
                judge,
                config,
                service=web_service() if safety else None,
                conversations=conversations,
            )
    from ..eval.report import retrieval_table

    report = outcome.report
    out.print(retrieval_table(report), highlight=False)
    refusal = report["refusal"]
    out.print(
        f"refusals: unanswerable refused {refusal['unanswerable_refusal_rate']:.3f}, "
        f"answerable wrongly refused {refusal['answerable_false_refusal_rate']:.3f}",
        highlight=False,
    )
    for name, value in report["answers"].items():
        out.print(f"{name}: {'n/a' if value is None else f'{value:.3f}'}", highlight=False)
    judged = report["judge"]
    if judged["configured"]:
        for name, value in judged["metrics"].items():
            out.print(f"{name} (judge {judged['model']}): {value:.3f}", highlight=False)
    else:
        out.print(f"judge: {judged['note']}", highlight=False)
    out.print(
        "latency p95: "
        + ", ".join(
            f"{k} {v['p95']:.1f} ms" for k, v in report["latency_ms"].items() if "p95" in v
        ),
        highlight=False,
    )
    if "safety" in report:
        s = report["safety"]
        bank = s["benign_bank"]["stopped"]
        out.print(
            f"safety: pass rate {s['pass_rate']:.3f} over {s['n']} cases; benign bank stopped "
            f"{bank['rate']:.4f} {bank['ci95']} of {bank['n']}; attacks stopped: "
            + ", ".join(
                f"{split} {v['attacks_stopped']['rate']:.3f} {v['attacks_stopped']['ci95']}"
                for split, v in s["by_detector_split"].items()
                if v["attacks_stopped"]["n"]
            ),
            highlight=False,
        )
    if "conversations" in report:
        _print_ablation(report["conversations"])
    skipped = report["retrieval"].get("hybrid+rerank", {}).get("skipped")
    if skipped:
        out.print(f"note: hybrid+rerank skipped ({skipped})", highlight=False)
    out.print(f"report: {outcome.run_dir}/report.md (also {out_dir}/latest/)", highlight=False)
    if outcome.readme_updated:
        out.print(f"results table refreshed in {readme}", highlight=False)
    if thresholds and not thresholds.is_file():
        out.print(
            f"note: no gate applied, {thresholds} does not exist: run `make eval-baseline` to create it",
            highlight=False,
        )
    if outcome.breaches:
        for breach in outcome.breaches:
            err.print(f"[bold red]gate:[/] {breach}", highlight=False)
        raise typer.Exit(EXIT_GATE)


def _print_ablation(conv: dict[str, Any]) -> None:
    arms = conv["arms"]
    out.print(
        "follow-ups needing the conversation, right document: "
        + ", ".join(
            f"{a} {v['needs_history']['right_document']['mean']:.3f}" for a, v in arms.items()
        )
        + f"; rewrite vs none p={conv['paired']['rewrite_vs_none']['right_document']['p_value']:.4f}",
        highlight=False,
    )
    r = conv["rewriter"]
    out.print(
        f"rewriter changed {r['self_contained_changed']} of "
        f"{conv['follow_ups']['self_contained']} self-contained follow-ups",
        highlight=False,
    )


@app.command("eval-conversations")
def eval_conversations(
    conversations: Annotated[
        Path, typer.Option("--conversations", help="Golden conversations (JSONL).")
    ] = Path("data/golden/conversations.jsonl"),
    index: IndexOpt = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Reports folder.")] = Path(
        "reports/conversations"
    ),
    config: ConfigOpt = None,
) -> None:
    """The follow-up ablation alone (for a corpus with conversations but no golden set)."""
    from ..eval.conversations import load_conversations, run_ablation, section, write_ablation

    settings = settings_from(config, index_dir=index)
    with one_line_errors():
        items = load_conversations(conversations)
        pipeline = load_pipeline(settings)
        pipeline.warm_up()
        summary, rows = run_ablation(pipeline, items)
        report = section(conversations, summary) | {"index": pipeline.status()["index"]}
        run_dir = write_ablation(out_dir, report, rows)
    _print_ablation(report)
    out.print(f"report: {run_dir}/report.md (also {out_dir}/latest/)", highlight=False)


@app.command("triage")
def triage_command(
    out_file: Annotated[
        Path, typer.Option("--out", help="Candidates file (golden JSONL plus source).")
    ] = Path("reports/feedback/candidates.jsonl"),
    golden: Annotated[
        Path, typer.Option("--golden", help="Golden set: never written, its questions skipped.")
    ] = Path("data/golden/golden.jsonl"),
    config: ConfigOpt = None,
) -> None:
    """Stored feedback -> golden-set candidates for review (the golden set is not changed)."""
    from ..feedback import FeedbackStore, triage

    settings = settings_from(config)
    with one_line_errors():
        rows = FeedbackStore(settings.feedback_db, lambda text: text).rows()
        result = triage(rows, out_file, golden)
    out.print(
        f"{len(result['candidates'])} candidates from {result['feedback']} feedback records "
        f"written to {out_file}; review them, then copy the good ones into {golden}",
        highlight=False,
    )
    for kind, count in sorted(result["left_for_review"].items()):
        out.print(
            f"  not turned into a candidate (needs a person): {kind} x{count}", highlight=False
        )


@app.command("eval-baseline")
def eval_baseline(
    report: Annotated[
        Path, typer.Option("--report", help="report.json to take the values from.")
    ] = Path("reports/eval/latest/report.json"),
    thresholds: Annotated[Path, typer.Option("--thresholds", help="File to write.")] = Path(
        "eval/thresholds.yaml"
    ),
) -> None:
    """Rewrite the gate's thresholds from a report, minus the stated margins."""
    from ..eval.gate import baseline, write_thresholds

    if not report.is_file():
        raise fail(f"{report} not found: run `eval` first")
    values = baseline(json.loads(report.read_text(encoding="utf-8")))
    write_thresholds(thresholds, values, str(report))
    for kind, entries in values.items():
        for path, bound in entries.items():
            out.print(f"{kind} {path}: {bound}", highlight=False)
    out.print(f"wrote {thresholds}", highlight=False)


@app.command("eval-compare")
def eval_compare(
    run_a: Annotated[Path, typer.Argument(help="Eval run folder A (the baseline).")],
    run_b: Annotated[Path, typer.Argument(help="Eval run folder B (the change).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Reports folder.")] = Path(
        "reports/compare"
    ),
) -> None:
    """Compare two eval runs on the same golden set: paired tests, per tag, flipped questions."""
    from ..eval.compare import compare, load_run, write_comparison

    with one_line_errors():
        result = compare(load_run(run_a), load_run(run_b))
    run_dir = write_comparison(out_dir, result)
    for name, e in result["metrics"].items():
        mark = "*" if e["significant"] else " "
        out.print(
            f"{name:<42} {e['a']:.3f} -> {e['b']:.3f}  {e['diff']:+.3f}{mark} "
            f"[{e['ci95'][0]:+.3f}, {e['ci95'][1]:+.3f}] p={e['p_value']:.4f}",
            highlight=False,
            soft_wrap=True,
        )
    out.print(f"flipped questions: {len(result['flipped'])}", highlight=False)
    out.print(
        f"report: {run_dir}/compare.md (also {out_dir}/latest/)", highlight=False, soft_wrap=True
    )


@app.command("judge-check")
def judge_check(
    labels: Annotated[Path, typer.Option("--labels", help="Human-labelled rows (JSONL).")] = Path(
        "data/golden/judge_labels.jsonl"
    ),
    out_dir: Annotated[Path, typer.Option("--out", help="Reports folder.")] = Path("reports/judge"),
    config: ConfigOpt = None,
) -> None:
    """Agreement (accuracy, Cohen's kappa) of the configured LLM judge with human labels."""
    from ..eval.judge import NOT_CONFIGURED, build_judge
    from ..eval.judge_check import load_labels, markdown, run_check, write_result

    settings = settings_from(config)
    if not settings.judge_configured:
        out.print(f"judge-check not run: {NOT_CONFIGURED}", highlight=False)
        return
    with one_line_errors():
        rows = load_labels(labels)
        from ..models.encoders import load_embedder

        judge = build_judge(settings, load_embedder(settings))
        with progress_bars(8, False) as on_progress:
            result = run_check(judge, rows, on_progress)
    run_dir = write_result(out_dir, result, labels)
    out.print(markdown(result, labels), highlight=False)
    out.print(f"report: {run_dir}/judge_check.md (also {out_dir}/latest/)", highlight=False)
