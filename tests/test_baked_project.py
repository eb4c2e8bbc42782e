"""End to end: the default bake sets itself up and passes its own lint and tests, then demos."""

import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(3600)


def make(project: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", *targets], cwd=project, capture_output=True, text=True)


def test_default_bake_passes_its_own_lint_and_tests(default_project: Path):
    setup = make(default_project, "setup")
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    lint = make(default_project, "lint")
    assert lint.returncode == 0, lint.stdout[-3000:] + lint.stderr[-3000:]
    tests = make(default_project, "test")
    assert tests.returncode == 0, tests.stdout[-5000:] + tests.stderr[-3000:]
    assert " passed" in tests.stdout and " failed" not in tests.stdout


def test_default_bake_demo_answers_with_citations(default_project: Path):
    demo = make(default_project, "demo")
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "[1]" in demo.stdout
    assert "refused: false" in demo.stdout
    assert (default_project / "index" / "CURRENT").is_file()


def test_default_bake_eval_passes_its_gate_and_fills_the_readme(default_project: Path):
    import json
    import time

    started = time.monotonic()
    done = make(default_project, "eval")
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((default_project / "reports" / "eval" / "latest" / "report.json").read_text())
    assert {"schema_version", "golden", "retrieval", "refusal", "answers", "latency_ms"} <= set(report)
    assert report["gate"]["checked"] > 0 and report["gate"]["breaches"] == []
    hybrid = report["retrieval"]["hybrid"]["ndcg@10"]
    assert hybrid >= max(report["retrieval"]["bm25"]["ndcg@10"], report["retrieval"]["dense"]["ndcg@10"])
    readme = (default_project / "README.md").read_text()
    assert f"| hybrid | {report['retrieval']['hybrid']['recall@5']:.3f} |" in readme
    print(f"make eval took {elapsed:.0f} s")
