"""eval-compare on real eval runs of the test corpus."""

import json
from pathlib import Path

import pytest
from tests.helpers.golden import GOLDEN
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.eval.command import evaluate
from {{ cookiecutter.package_name }}.eval.compare import CompareError, compare, load_run, paired_test
from {{ cookiecutter.package_name }}.pipeline import Pipeline
from {{ cookiecutter.package_name }}.retrieval.stores.local import LocalStore

pytestmark = pytest.mark.slow


def _golden(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / f"golden-{len(rows)}.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runs(built_index, embedder, tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("runs")
    golden = _golden(tmp, GOLDEN)
    out = {}
    for name, update in {
        "rrf": {},
        "weighted": {"fusion": "weighted", "bm25_weight": 0.9, "mode": "hybrid"},
    }.items():
        settings = built_index.model_copy(update=update)
        pipeline = Pipeline(settings, LocalStore(settings.index_dir), embedder)
        out[name] = evaluate(pipeline, golden, tmp / name, None).run_dir
    other = Pipeline(built_index, LocalStore(built_index.index_dir), embedder)
    out["other_golden"] = evaluate(other, _golden(tmp, GOLDEN[:3]), tmp / "other", None).run_dir
    return out


def test_a_run_against_itself_shows_no_difference(runs):
    result = compare(load_run(runs["rrf"]), load_run(runs["rrf"]))
    assert result["metrics"], "nothing was compared"
    for entry in result["metrics"].values():
        assert entry["diff"] == 0.0 and entry["p_value"] == 1.0 and not entry["significant"]
    assert result["flipped"] == [] and result["config_diff"] == {}


def test_different_fusion_settings_give_p_values(runs, tmp_path: Path):
    result = compare(load_run(runs["rrf"]), load_run(runs["weighted"]))
    assert result["config_diff"]["fusion"] == ["rrf", "weighted"]
    hybrid = result["metrics"]["hybrid/ndcg@10"]
    assert hybrid["n"] == 5 and 0.0 < hybrid["p_value"] <= 1.0
    assert hybrid["ci95"][0] <= hybrid["diff"] <= hybrid["ci95"][1]
    assert set(result["by_tag"]) == {"identifier", "paraphrase", "factual", "unanswerable"}
    cli = CliRunner().invoke(
        app, ["eval-compare", str(runs["rrf"]), str(runs["weighted"]), "--out", str(tmp_path)]
    )
    assert cli.exit_code == 0, cli.output
    assert "hybrid/ndcg@10" in cli.output
    for name in ("compare.json", "compare.md", "compare.png"):
        assert (tmp_path / "latest" / name).is_file()


def test_runs_on_different_golden_sets_are_refused(runs):
    with pytest.raises(CompareError, match="different golden sets"):
        compare(load_run(runs["rrf"]), load_run(runs["other_golden"]))
    cli = CliRunner().invoke(app, ["eval-compare", str(runs["rrf"]), str(runs["other_golden"])])
    assert cli.exit_code != 0 and "different golden sets" in cli.output


def test_paired_test_detects_a_consistent_gain():
    a = [0.0] * 30
    b = [1.0] * 20 + [0.0] * 10
    result = paired_test(a, b)
    assert result["diff"] == pytest.approx(2 / 3) and result["p_value"] < 0.001
    same = paired_test([0.5] * 10, [0.5] * 10)
    assert same["p_value"] == 1.0 and same["ci95"] == [0.0, 0.0]
