"""notebooks/explore.ipynb runs top to bottom against a real index and eval run."""

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from tests.helpers.corpus import PROJECT
from tests.helpers.golden import GOLDEN

from {{ cookiecutter.package_name }}.core.settings import Settings
from {{ cookiecutter.package_name }}.eval.command import evaluate
from {{ cookiecutter.package_name }}.ingest.indexer import ingest
from {{ cookiecutter.package_name }}.pipeline import Pipeline
from {{ cookiecutter.package_name }}.retrieval.stores.local import LocalStore

NOTEBOOK = PROJECT / "notebooks" / "explore.ipynb"
SAMPLE = PROJECT / "data" / "sample"
SAMPLE_GOLDEN = PROJECT / "data" / "golden" / "golden.jsonl"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run_and_index(built_index: Settings, embedder, tmp_path_factory) -> tuple[Path, Path]:
    """An eval run on the sample data when the project has it, else on the test corpus."""
    tmp = tmp_path_factory.mktemp("notebook")
    golden = tmp / "golden.jsonl"
    if SAMPLE.is_dir() and SAMPLE_GOLDEN.is_file():
        settings = built_index.model_copy(update={"index_dir": tmp / "index"})
        ingest(SAMPLE, settings, embedder)
        lines = SAMPLE_GOLDEN.read_text(encoding="utf-8").splitlines()
        golden.write_text("\n".join(lines[::6]) + "\n", encoding="utf-8")
    else:
        settings = built_index
        golden.write_text("\n".join(json.dumps(r) for r in GOLDEN) + "\n", encoding="utf-8")
    pipeline = Pipeline(settings, LocalStore(settings.index_dir), embedder)
    outcome = evaluate(pipeline, golden, tmp / "reports", None)
    return outcome.run_dir, settings.index_dir


def test_notebook_executes_and_shows_every_section(run_and_index, monkeypatch):
    run_dir, index_dir = run_and_index
    monkeypatch.setenv("EXPLORE_ROOT", str(PROJECT))
    monkeypatch.setenv("EXPLORE_RUN", str(run_dir))
    monkeypatch.setenv("EXPLORE_INDEX", str(index_dir))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), (
        "outputs must be stripped in git"
    )
    NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
    text = json.dumps([c.get("outputs", []) for c in notebook.cells if c.cell_type == "code"])
    assert "| hybrid |" in text and "ndcg@10" in text.lower()
    assert "image/png" in text, "the latency plot was not drawn"
    for mode in ("bm25:", "dense:", "hybrid:"):
        assert mode in text
    assert "answer:" in text and "latency ms:" in text
    assert '"output_type": "error"' not in text
