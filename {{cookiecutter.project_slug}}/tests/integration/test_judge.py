"""LLM-judged metrics against a loopback judge server that the test starts."""

import json
from pathlib import Path

import pytest
from pydantic import SecretStr
from tests.helpers.fake_judge import FakeJudge, fake_judge
from tests.helpers.golden import GOLDEN

from {{ cookiecutter.package_name }}.eval.command import evaluate
from {{ cookiecutter.package_name }}.eval.judge import (
    JudgeError,
    build_judge,
    score,
    verdict_metrics,
    verdicts,
)
from {{ cookiecutter.package_name }}.pipeline import Pipeline
from {{ cookiecutter.package_name }}.retrieval.stores.local import LocalStore

CONTEXT = "The Zephyr kettle is guaranteed for 3 years. Fault ZK-17 means the element is scaled."

pytestmark = pytest.mark.slow


def test_judged_metrics_follow_the_evidence(built_index, embedder):
    with fake_judge() as url:
        settings = built_index.model_copy(update={"judge_base_url": url, "judge_model": "judge-1"})
        judge = build_judge(settings, embedder)
        from {{ cookiecutter.package_name }}.eval.judge import answer_metrics

        metrics = answer_metrics(judge)
        good = score(
            metrics,
            "How long is the kettle guaranteed?",
            "The kettle is guaranteed for 3 years.",
            [CONTEXT],
            "3 years.",
        )
        bad = score(
            metrics,
            "How long is the kettle guaranteed?",
            "The kettle ships with a free teapot.",
            [CONTEXT],
            "3 years.",
        )
        assert FakeJudge.calls, "the judge server was never called"
    assert set(good) == {
        "faithfulness",
        "answer_relevancy",
        "llm_context_precision_with_reference",
        "context_recall",
    }
    assert good["faithfulness"] == 1.0 and bad["faithfulness"] == 0.0
    assert 0.0 <= good["answer_relevancy"] <= 1.0


def test_verdicts_are_binary(built_index, embedder):
    with fake_judge() as url:
        settings = built_index.model_copy(update={"judge_base_url": url, "judge_model": "judge-1"})
        metrics = verdict_metrics(build_judge(settings, embedder))
        assert verdicts(
            metrics,
            "How long is the kettle guaranteed?",
            "The kettle is guaranteed for 3 years.",
            [CONTEXT],
        ) == (True, True)
        assert verdicts(
            metrics,
            "How long is the kettle guaranteed?",
            "Fault ZK-17 means the element is scaled.",
            [CONTEXT],
        ) == (True, False)


def test_eval_reports_judged_metrics(built_index, embedder, tmp_path: Path):
    golden = tmp_path / "golden.jsonl"
    golden.write_text("\n".join(json.dumps(r) for r in GOLDEN) + "\n", encoding="utf-8")
    with fake_judge() as url:
        settings = built_index.model_copy(
            update={
                "judge_base_url": url,
                "judge_model": "judge-1",
                "judge_api_key": SecretStr("sk-test"),
            }
        )
        pipeline = Pipeline(settings, LocalStore(settings.index_dir), embedder)
        outcome = evaluate(pipeline, golden, tmp_path / "reports", None)
    judge = outcome.report["judge"]
    assert judge["configured"] and judge["model"] == "judge-1"
    assert judge["scored"] >= 3
    assert set(judge["metrics"]) >= {"faithfulness", "answer_relevancy"}
    assert all(0.0 <= v <= 1.0 for v in judge["metrics"].values())
    assert "judge-1" in (outcome.run_dir / "report.md").read_text()
    config = (outcome.run_dir / "config.json").read_text()
    assert "sk-test" not in config and '"judge_api_key": "<set>"' in config


def test_unconfigured_judge_is_reported_not_faked(built_index, embedder, tmp_path: Path):
    golden = tmp_path / "golden.jsonl"
    golden.write_text("\n".join(json.dumps(r) for r in GOLDEN[:2]) + "\n", encoding="utf-8")
    pipeline = Pipeline(built_index, LocalStore(built_index.index_dir), embedder)
    report = evaluate(pipeline, golden, tmp_path / "reports", None).report
    assert report["judge"]["configured"] is False
    assert "RAG_JUDGE_BASE_URL" in report["judge"]["note"]
    with pytest.raises(JudgeError, match="RAG_JUDGE_BASE_URL"):
        build_judge(built_index, embedder)


def test_unreachable_judge_is_one_clear_error(built_index, embedder):
    settings = built_index.model_copy(
        update={
            "judge_base_url": "http://127.0.0.1:9/v1",
            "judge_model": "j",
            "judge_max_retries": 0,
            "judge_timeout_s": 2.0,
        }
    )
    metrics = verdict_metrics(build_judge(settings, embedder))
    with pytest.raises(JudgeError, match="judge failed on faithfulness"):
        verdicts(metrics, "q?", "An answer.", [CONTEXT])


LABELS = Path(__file__).parents[2] / "data" / "golden" / "judge_labels.jsonl"
OWN_LABELS = [
    {
        "id": "j1",
        "question": "How long is the kettle guaranteed?",
        "answer": "The kettle is guaranteed for 3 years.",
        "contexts": [CONTEXT],
        "faithful": True,
        "relevant": True,
    },
    {
        "id": "j2",
        "question": "How long is the kettle guaranteed?",
        "answer": "The kettle is guaranteed for 10 years and ships with a teapot.",
        "contexts": [CONTEXT],
        "faithful": False,
        "relevant": True,
    },
    {
        "id": "j3",
        "question": "How long is the kettle guaranteed?",
        "answer": "Fault ZK-17 means the element is scaled.",
        "contexts": [CONTEXT],
        "faithful": True,
        "relevant": False,
    },
    {
        "id": "j4",
        "question": "What does fault ZK-17 mean?",
        "answer": "The lamp uses a blue LED.",
        "contexts": [CONTEXT],
        "faithful": False,
        "relevant": False,
    },
]


def test_judge_check_reports_kappa_against_a_loopback_judge(tmp_path: Path, monkeypatch):
    from sklearn.metrics import cohen_kappa_score
    from typer.testing import CliRunner

    from {{ cookiecutter.package_name }}.cli import app

    labels = tmp_path / "labels.jsonl"
    rows = [json.loads(x) for x in LABELS.read_text().splitlines()[:20]] if LABELS.is_file() else []
    labels.write_text("\n".join(json.dumps(r) for r in rows + OWN_LABELS) + "\n")
    with fake_judge() as url:
        monkeypatch.setenv("RAG_JUDGE_BASE_URL", url)
        monkeypatch.setenv("RAG_JUDGE_MODEL", "judge-1")
        result = CliRunner().invoke(
            app, ["judge-check", "--labels", str(labels), "--out", str(tmp_path / "judge")]
        )
    assert result.exit_code == 0, result.output
    assert "Cohen's kappa" in result.output
    report = json.loads((tmp_path / "judge" / "latest" / "judge_check.json").read_text())
    for label in ("faithful", "relevant"):
        pairs = [
            (r["human"][label], r["judge"][label])
            for r in report["rows"]
            if r["judge"][label] is not None
        ]
        human, judged = zip(*pairs, strict=True)
        expected = cohen_kappa_score(human, judged)
        assert report["agreement"][label]["kappa"] == pytest.approx(expected)
        assert report["agreement"][label]["n"] == len(pairs) > 0
    own = {r["id"]: r for r in report["rows"]}
    assert own["j1"]["judge"] == {"faithful": True, "relevant": True}
    assert own["j2"]["judge"]["faithful"] is False
    assert set(report["bias"]) == {"position", "verbosity"}


def test_judge_check_says_plainly_when_no_judge_is_configured(monkeypatch):
    from typer.testing import CliRunner

    from {{ cookiecutter.package_name }}.cli import app

    monkeypatch.delenv("RAG_JUDGE_BASE_URL", raising=False)
    result = CliRunner().invoke(app, ["judge-check"])
    assert result.exit_code == 0
    assert "judge-check not run: no LLM judge is configured" in result.output
