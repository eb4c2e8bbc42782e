"""`calibrate`: the refusal model fitted on a golden set, with its threshold rule, plots and AUC."""

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.core.errors import ModelUnavailableError
from {{ cookiecutter.package_name }}.eval.calibration import operating_point
from {{ cookiecutter.package_name }}.generation.answerability import AnswerabilityModel
from {{ cookiecutter.package_name }}.generation.evidence import FEATURES

ANSWERABLE = [
    ("How often should I descale the Zephyr kettle?", "guides/kettle.md"),
    ("What does fault code ZK-17 mean?", "guides/kettle.md"),
    ("How long is the kettle warranty?", "guides/kettle.md"),
    ("How many brightness levels does the Orbit lamp have?", "guides/lamp.txt"),
    ("Which part replaces the lamp's LED module?", "guides/lamp.txt"),
    ("How long does standard delivery take?", "faq/shipping.html"),
    ("Within how many days can unused items be returned?", "faq/shipping.html"),
    ("How much hose does the HR-9 reel hold?", "guides/hose.pdf"),
]
UNANSWERABLE = [
    "What is the wattage of the Zephyr kettle?",
    "Does the Orbit lamp work with a dimmer switch?",
    "Do you ship parcels to Canada?",
    "What colours does the Aqua hose come in?",
    "Who is the chief executive of the company?",
    "What does fault ZK-42 mean?",
]


def calibrate(golden: Path, model: Path, reports: Path, index: Path):
    """`calibrate` through the CLI, as `make calibrate` runs it."""
    args = ["calibrate", "--golden", golden, "--out", model, "--reports", reports, "--index", index]
    return CliRunner().invoke(app, [str(a) for a in args])


def test_operating_point_refuses_the_most_within_the_false_refusal_cap():
    y = np.array([0] * 20 + [1] * 10)
    probs = np.concatenate([np.linspace(0.0, 0.6, 20), np.linspace(0.3, 0.9, 10)])
    floor = np.zeros(30, dtype=bool)
    point = operating_point(y, probs, floor, max_false=0.05)
    refused = probs >= point["threshold"]
    assert refused[y == 0].mean() <= 0.05
    assert point["unanswerable_refused"] == pytest.approx(refused[y == 1].mean())
    # one step lower breaks the cap: the rule took the most it could
    looser = probs >= np.max(probs[(probs < point["threshold"])])
    assert looser[y == 0].mean() > 0.05 or looser[y == 1].mean() == refused[y == 1].mean()
    # the floor's refusals count against the cap as well
    strict = operating_point(y, probs, np.arange(30) < 1, max_false=0.05)
    assert strict["answerable_refused"] <= 0.05


def test_a_tampered_or_foreign_model_is_refused(tmp_path: Path):
    n = len(FEATURES)
    model = AnswerabilityModel(FEATURES, (0.0,) * n, (1.0,) * n, (1.0,) * n, 0.0, 0.5, {})
    path = tmp_path / "model.json"
    model.save(path)
    assert AnswerabilityModel.load(path).to_json() == model.to_json()
    data = json.loads(path.read_text())
    data["threshold"] = 0.9
    path.write_text(json.dumps(data))
    with pytest.raises(ModelUnavailableError, match="sha256"):
        AnswerabilityModel.load(path)
    with pytest.raises(ModelUnavailableError, match="calibrate"):
        AnswerabilityModel.load(tmp_path / "absent.json")


def test_calibrate_writes_a_model_its_plots_and_an_auc_interval(tmp_path: Path, built_index):
    golden = tmp_path / "golden.jsonl"
    rows = [
        {"id": f"a{i}", "question": q, "relevant_ids": [d], "reference_answer": "x", "tags": []}
        for i, (q, d) in enumerate(ANSWERABLE)
    ] + [
        {"id": f"u{i}", "question": q, "relevant_ids": [], "tags": ["unanswerable"]}
        for i, q in enumerate(UNANSWERABLE)
    ]
    golden.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    model = tmp_path / "answerability.json"
    result = calibrate(golden, model, tmp_path / "reports", built_index.index_dir)
    assert result.exit_code == 0, result.output
    assert "cross-validated AUC" in result.output
    fitted = AnswerabilityModel.load(model)
    assert fitted.meta["n"] == len(rows) and fitted.meta["unanswerable"] == len(UNANSWERABLE)
    low, high = fitted.meta["cv_auc_ci95"]
    assert 0.0 <= low <= fitted.meta["cv_auc"] <= high <= 1.0
    assert fitted.meta["cv_answerable_refused"] <= 0.05
    latest = tmp_path / "reports" / "latest"
    assert (latest / "roc.png").stat().st_size > 5000 and (latest / "pr.png").stat().st_size > 5000
    report = json.loads((latest / "calibration.json").read_text())
    assert report["threshold"] == fitted.threshold and set(report["coef"]) == set(FEATURES)


def test_calibrate_needs_both_kinds_of_question(tmp_path: Path, built_index):
    golden = tmp_path / "golden.jsonl"
    golden.write_text(
        "\n".join(
            json.dumps({"id": f"a{i}", "question": q, "relevant_ids": [d]})
            for i, (q, d) in enumerate(ANSWERABLE)
        )
        + "\n",
        encoding="utf-8",
    )
    result = calibrate(golden, tmp_path / "m.json", tmp_path / "r", built_index.index_dir)
    assert result.exit_code == 1 and "at least 5 of each" in result.output
    assert not (tmp_path / "m.json").exists()
