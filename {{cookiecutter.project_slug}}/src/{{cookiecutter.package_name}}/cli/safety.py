"""Safety model commands: guard-train (the input rail's detector), calibrate (refusals)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import ConfigOpt, IndexOpt, app, one_line_errors, out, settings_from


@app.command("guard-train")
def guard_train(
    safety: Annotated[
        Path, typer.Option("--safety", help="Safety data: the pack and benign_bank/.")
    ] = Path("data/safety"),
    config: ConfigOpt = None,
) -> None:
    """Fit the input rail's attack detector on fixed splits; choose on validation, score test."""
    from ..guardrails.detector import MODEL_DIR
    from ..guardrails.training import train
    from ..models.encoders import load_embedder

    settings = settings_from(config)
    with one_line_errors():
        meta = train(safety, load_embedder(settings))
    test = meta["test"]
    out.print(
        f"detector: embedding weight {meta['embedding_weight']}, C {meta['C']}, "
        f"threshold {meta['threshold']:.4f} (validation false positives <= {meta['fp_budget']:.1%})",
        highlight=False,
    )
    fp, recall = test["benign_false_positive"], test["attack_recall"]
    out.print(
        f"test split: benign blocked {fp['rate']:.4f} {fp['ci95']} of {fp['n']}, "
        f"attacks stopped {recall['rate']:.4f} {recall['ci95']} of {recall['n']}",
        highlight=False,
    )
    out.print(f"wrote {MODEL_DIR}", highlight=False)


@app.command()
def calibrate(
    golden: Annotated[Path, typer.Option("--golden", help="Golden set (JSONL).")] = Path(
        "data/golden/golden.jsonl"
    ),
    model_out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Where to write the model (default: the answerability_model setting)."
        ),
    ] = None,
    reports: Annotated[
        Path, typer.Option("--reports", help="Where the run folder (plots, report) goes.")
    ] = Path("reports/calibration"),
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Fit the refusal (answerability) model on a golden set: threshold, ROC/PR plots, CV AUC."""
    from ..eval.calibration import calibrate as run_calibration
    from ..eval.golden import load_golden
    from ..generation.answerability import AnswerabilityModel
    from ..pipeline import Pipeline

    settings = settings_from(config, index_dir=index)
    target = model_out or settings.answerability_model
    with one_line_errors():
        items = load_golden(golden)
        pipeline = Pipeline.load(settings, answerability=AnswerabilityModel.neutral())
        report = run_calibration(pipeline, items, golden, target, reports)
    out.print(
        f"answerability: cross-validated AUC {report['cv_auc']:.3f} {report['cv_auc_ci95']}; "
        f"threshold {report['threshold']:.4f} refuses {report['cv_unanswerable_refused']:.2f} of "
        f"unanswerable, {report['cv_answerable_refused']:.2f} of answerable (out-of-fold)",
        highlight=False,
    )
    out.print(f"wrote {target} and {reports}/latest/ (roc.png, pr.png)", highlight=False)
