"""`eval` end to end on a corpus and golden set the test writes itself."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.helpers.golden import GOLDEN

from {{ cookiecutter.package_name }}.eval.command import evaluate
from {{ cookiecutter.package_name }}.eval.golden import GoldenError, load_golden
from {{ cookiecutter.package_name }}.pipeline import Pipeline
from {{ cookiecutter.package_name }}.retrieval.stores.local import LocalStore

SCHEMA = {"schema_version", "golden", "retrieval", "refusal", "answers", "latency_ms"}
STAGES = {"embed_query", "bm25", "dense", "fuse", "rerank", "answer", "retrieve", "total"}


@pytest.fixture()
def golden_file(tmp_path: Path) -> Path:
    path = tmp_path / "golden.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in GOLDEN) + "\n", encoding="utf-8")
    return path


def test_report_has_every_schema_key_and_files(
    built_index, embedder, golden_file: Path, tmp_path: Path
):
    pipeline = Pipeline(
        built_index, LocalStore(built_index.index_dir), embedder, None, "none in this test"
    )
    readme = tmp_path / "README.md"
    readme.write_text(
        "# X\n<!-- results:start -->\nSTALE-TEXT\n<!-- results:end -->\n", encoding="utf-8"
    )
    outcome = evaluate(pipeline, golden_file, tmp_path / "reports", None, readme)
    report = outcome.report
    assert set(report) >= SCHEMA
    assert report["golden"] == {**report["golden"], "n": 6, "answerable": 5, "unanswerable": 1}
    assert set(report["retrieval"]) == {"bm25", "dense", "hybrid", "hybrid+rerank"}
    assert "skipped" in report["retrieval"]["hybrid+rerank"]
    for mode in ("bm25", "dense", "hybrid"):
        assert set(report["retrieval"][mode]) == {
            "recall@5",
            "recall@10",
            "mrr@10",
            "ndcg@10",
            "hit@1",
        }
    assert (
        report["retrieval"]["hybrid"]["ndcg@10"]
        >= max(report["retrieval"]["bm25"]["ndcg@10"], report["retrieval"]["dense"]["ndcg@10"])
        - 1e-9
    )
    assert set(report["latency_ms"]) == STAGES
    assert report["refusal"]["unanswerable_refusal_rate"] == 1.0
    spread = report["refusal"]["evidence_dense"]
    # answerable questions are closer to their evidence than unanswerable ones
    assert spread["answerable"]["p50"] > spread["unanswerable"]["p50"]
    assert spread["answerable"]["p5"] <= spread["answerable"]["p50"] <= spread["answerable"]["p95"]
    assert {"rouge_score", "id_based_context_recall"} <= set(report["answers"])
    for name in (
        "report.json",
        "report.md",
        "results.jsonl",
        "config.json",
        "metrics.png",
        "latency.png",
    ):
        assert (outcome.run_dir / name).is_file() and (
            tmp_path / "reports" / "latest" / name
        ).is_file()
    rows = [json.loads(x) for x in (outcome.run_dir / "results.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == [g["id"] for g in GOLDEN]
    block = readme.read_text()
    assert "STALE-TEXT" not in block and f"{report['retrieval']['hybrid']['ndcg@10']:.3f}" in block


def test_two_runs_give_identical_metrics(built_index, embedder, golden_file: Path, tmp_path: Path):
    pipeline = Pipeline(built_index, LocalStore(built_index.index_dir), embedder)
    first = evaluate(pipeline, golden_file, tmp_path / "a", None).report
    second = evaluate(pipeline, golden_file, tmp_path / "b", None).report
    for key in ("retrieval", "refusal", "answers", "ci95", "by_tag", "pipeline"):
        assert first[key] == second[key]


def test_golden_errors_are_one_line(tmp_path: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "q"}\n', encoding="utf-8")
    with pytest.raises(GoldenError, match="missing relevant_ids"):
        load_golden(bad)
    bad.write_text("not json\n", encoding="utf-8")
    with pytest.raises(GoldenError, match=":1: not valid JSON"):
        load_golden(bad)
    with pytest.raises(GoldenError, match="not found"):
        load_golden(tmp_path / "absent.jsonl")


def test_gate_fails_the_command_and_names_the_metric(
    built_index, golden_file: Path, tmp_path: Path
):
    thresholds = tmp_path / "thresholds.yaml"
    thresholds.write_text("min:\n  pipeline.ndcg@10: 1.01\nmax: {}\n", encoding="utf-8")
    config = tmp_path / "bm25.yaml"
    config.write_text("mode: bm25\n", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "{{ cookiecutter.package_name }}",
            "eval",
            "--golden",
            str(golden_file),
            "--index",
            str(built_index.index_dir),
            "--out",
            str(tmp_path / "r"),
            "--thresholds",
            str(thresholds),
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 4, done.stdout + done.stderr
    assert "pipeline.ndcg@10" in done.stderr and "below the minimum" in done.stderr
    report = json.loads((tmp_path / "r" / "latest" / "report.json").read_text())
    assert report["pipeline"]["mode"] == "bm25"
