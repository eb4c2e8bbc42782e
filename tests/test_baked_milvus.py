"""A vector_store=milvus bake: its Milvus tests against a real Milvus Lite, then `make eval` on it.

The rest of the baked suite is the same code as the default bake's (sources are copied, and the
suite pins itself to faiss), so only the Milvus tests run here.
"""

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import bake

pytestmark = pytest.mark.timeout(3600)


@pytest.fixture(scope="module")
def milvus_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = bake(tmp_path_factory.mktemp("milvus"), vector_store="milvus")
    setup = subprocess.run(["make", "setup"], cwd=project, capture_output=True, text=True, check=False)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    return project


def test_milvus_bake_passes_its_milvus_tests(milvus_project: Path):
    started = time.monotonic()
    tests = subprocess.run(
        [".venv/bin/python", "-m", "pytest", "-q", "tests/integration/test_milvus_store.py"],
        cwd=milvus_project, capture_output=True, text=True, check=False,
    )
    assert tests.returncode == 0, tests.stdout[-5000:] + tests.stderr[-3000:]
    assert " passed" in tests.stdout and "skipped" not in tests.stdout
    print(f"milvus tests took {time.monotonic() - started:.0f} s")


def test_milvus_bake_eval_runs_on_milvus_and_passes_its_gate(milvus_project: Path):
    """`make eval` ingests the sample corpus into index/milvus.db and meets the gate, whose
    per-mode nDCG@10 floors are the faiss bake's values minus 0.03 (eval/thresholds.yaml)."""
    started = time.monotonic()
    done = subprocess.run(["make", "eval"], cwd=milvus_project, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (milvus_project / "index" / "milvus.db").is_dir()
    assert not (milvus_project / "index" / "CURRENT").exists()
    report = json.loads((milvus_project / "reports" / "eval" / "latest" / "report.json").read_text())
    assert report["gate"]["breaches"] == []
    thresholds = (milvus_project / "eval" / "thresholds.yaml").read_text()
    for mode in ("bm25", "dense", "hybrid"):
        assert f"retrieval.{mode}.ndcg@10" in thresholds
        assert report["retrieval"][mode]["ndcg@10"] > 0.5
    assert report["latency_ms"]["fuse"]["p50"] > 0
    assert "skipped" in report["latency_ms"]["bm25"]  # fused by Milvus's hybrid_search
    print(f"make eval on milvus took {time.monotonic() - started:.0f} s")
