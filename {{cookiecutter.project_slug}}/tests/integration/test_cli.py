"""The command line as a user runs it: `python -m {{ cookiecutter.package_name }} ...`."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.helpers.corpus import PDF_LINES, make_pdf


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "{{ cookiecutter.package_name }}", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.helpers.corpus import write_corpus

    root = tmp_path_factory.mktemp("cli")
    write_corpus(root / "docs")
    (root / "docs" / "broken.pdf").write_bytes(make_pdf(PDF_LINES)[:90])
    turns = [
        {"question": "How many brightness levels does the Orbit lamp have?", "answer": "Five."}
    ]
    (root / "history.json").write_text(json.dumps(turns))
    (root / "bad-history.json").write_text('[{"question": 3}]')
    return root


def test_ingest_lists_skips_and_exits_3_then_search_and_ask_work(workdir: Path):
    done = run("ingest", "docs", "--index", "idx", cwd=workdir)
    assert done.returncode == 3, done.stderr
    assert "Indexed 4 documents" in done.stdout
    assert "broken.pdf" in done.stdout and "PDF" in done.stdout

    found = run(
        "search",
        "hose reel capacity",
        "--index",
        "idx",
        "--k",
        "2",
        "--mode",
        "hybrid",
        "--json",
        cwd=workdir,
    )
    assert found.returncode == 0, found.stderr
    results = json.loads(found.stdout)["results"]
    assert len(results) == 2 and results[0]["doc_id"] == "guides/hose.pdf"
    assert {"doc_id", "chunk_id", "text", "scores"} <= set(results[0])
    assert {"bm25", "dense", "fused"} & set(results[0]["scores"])

    asked = run(
        "ask",
        "How many brightness levels does the Orbit lamp have?",
        "--index",
        "idx",
        "--json",
        cwd=workdir,
    )
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert {"answer", "refused", "citations", "latency_ms", "blocked", "reason"} <= set(answer)
    assert answer["refused"] is False and "five brightness levels" in answer["answer"]
    assert answer["citations"][0]["doc_id"] == "guides/lamp.txt"
    assert {"n", "doc_id", "chunk_id"} == set(answer["citations"][0])
    assert len(answer["request_id"]) == 32  # a fresh id per command, as the API gives one
    assert answer["query"] == "How many brightness levels does the Orbit lamp have?"

    follow_up = run(
        "ask",
        "How do I switch it off?",
        "--index",
        "idx",
        "--history",
        "history.json",
        "--json",
        cwd=workdir,
    )
    assert follow_up.returncode == 0, follow_up.stderr
    answer = json.loads(follow_up.stdout)
    assert "Orbit lamp" in answer["query"] and "touch strip" in answer["answer"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ingest", "no-such-folder", "--index", "idx2"), "does not exist"),
        (("ask", "anything?", "--index", "no-index"), "run `ingest"),
        (("search", "x", "--index", "idx", "--mode", "fuzzy"), "use one of"),
        (("ask", "and?", "--index", "idx", "--history", "bad-history.json"), "0.question"),
        (("ask", "and?", "--index", "idx", "--history", "none.json"), "cannot read"),
    ],
)
def test_errors_are_one_line_with_nonzero_exit(workdir: Path, args, message):
    done = run(*args, cwd=workdir)
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_asking_with_the_onnx_backend_imports_no_torch(workdir: Path):
    """Once ingest has exported the embedder, a question needs only tokenizers + onnxruntime:
    no torch, transformers, sentence-transformers or scikit-learn is imported (a cold `ask`
    starts fast)."""
    assert run("ingest", "docs", cwd=workdir).returncode in (0, 3)
    code = (
        "import json, sys\n"
        "from {{ cookiecutter.package_name }}.cli.common import load_pipeline\n"
        "from {{ cookiecutter.package_name }}.core.settings import load_settings\n"
        "settings = load_settings()\n"
        "assert settings.embedder_backend == 'onnx'\n"
        "result = load_pipeline(settings, with_reranker=False).ask('How do I descale the kettle?')\n"
        "heavy = ['torch', 'transformers', 'sentence_transformers', 'sklearn']\n"
        "print(json.dumps({'refused': result.answer.refused,\n"
        "                  'loaded': [m for m in heavy if m in sys.modules]}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=workdir, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out == {"refused": False, "loaded": []}
