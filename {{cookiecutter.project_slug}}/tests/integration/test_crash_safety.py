"""Crash-safe index: SIGKILL an ingest at 10 moments; a damaged index file is a one-line error.

The killed ingest runs as a real `python -m {{ cookiecutter.package_name }} ingest` subprocess over a
corpus big enough to take seconds. Five kills land at fractions of a full run's duration
(model loading, reading, embedding), five while the new version is being written (timed from
the moment its staging folder appears). After each kill the index must load, verify its
checksums and answer a fixed query with exactly the chunk ids and scores it gave before
(or, if the kill came after the atomic switch, exactly those of the complete new index).
"""

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.helpers.corpus import PROJECT, write_corpus

from {{ cookiecutter.package_name }}.core.errors import IndexIncompatibleError
from {{ cookiecutter.package_name }}.core.settings import Settings
from {{ cookiecutter.package_name }}.ingest.indexer import ingest
from {{ cookiecutter.package_name }}.pipeline import Pipeline
from {{ cookiecutter.package_name }}.retrieval.stores.local import POINTER, LocalStore

QUERIES = ("How long is the Zephyr kettle warranty?", "quasar calibration interval")
WORDS = [
    "quasar",
    "pump",
    "valve",
    "sensor",
    "calibration",
    "interval",
    "pressure",
    "filter",
    "module",
    "firmware",
    "reset",
    "battery",
    "warranty",
    "service",
    "technician",
    "inspection",
    "torque",
    "seal",
    "gasket",
    "coolant",
    "schedule",
    "alarm",
    "threshold",
    "backup",
    "restore",
    "operator",
    "manual",
    "safety",
    "lockout",
    "cycle",
    "report",
    "audit",
]
ENV = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "TRANSFORMERS_VERBOSITY": "error"}


def write_extra_docs(root: Path, n_docs: int = 24, paragraphs: int = 3) -> None:
    rng = random.Random(8)
    for d in range(n_docs):
        lines = [f"# Quasar unit {d} service notes", ""]
        for p in range(paragraphs):
            words = " ".join(rng.choice(WORDS) for _ in range(120))
            lines += [f"## Section {p}", f"Unit Q-{d}-{p}: {words}.", ""]
        (root / "extra" / f"unit-{d:03d}.md").parent.mkdir(parents=True, exist_ok=True)
        (root / "extra" / f"unit-{d:03d}.md").write_text("\n".join(lines), encoding="utf-8")


def answers(index_dir: Path, embedder) -> list[list[tuple[str, dict[str, float]]]]:
    """Load the index (checksums verified) and run the fixed queries."""
    settings = Settings(index_dir=index_dir, redact_pii=False)
    pipeline = Pipeline(settings, LocalStore(index_dir), embedder, None, "tests")
    out = []
    for query in QUERIES:
        data = pipeline.search(query, mode="hybrid", k=5).to_json()
        out.append([(r["chunk_id"], r["scores"]) for r in data["results"]])
    return out


def ingest_process(docs: Path, index: Path) -> subprocess.Popen:
    with (index.parent / f"{index.name}.log").open("wb") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "{{ cookiecutter.package_name }}",
                "ingest",
                str(docs),
                "--index",
                str(index),
            ],
            cwd=PROJECT,
            env=ENV,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def wait_for_staging(index: Path, proc: subprocess.Popen, limit: float = 600) -> float:
    end = time.monotonic() + limit
    while time.monotonic() < end and proc.poll() is None:
        if any(index.glob(".tmp-v-*")):
            return time.monotonic()
        time.sleep(0.0005)
    raise AssertionError("the ingest never started writing a new version")


@pytest.mark.slow
@pytest.mark.timeout(1800)  # 11 ingest processes; about 2 minutes on an idle 2-core machine
def test_sigkill_during_ingest_leaves_a_loadable_identical_index(tmp_path: Path, embedder):
    docs = write_corpus(tmp_path / "docs")
    base = tmp_path / "base-index"
    ingest(docs, Settings(index_dir=base), embedder)
    before = answers(base, embedder)
    base_version = (base / POINTER).read_text().strip()

    write_extra_docs(docs)  # the re-ingest now has ~70 new chunks to embed
    reference = tmp_path / "reference-index"
    shutil.copytree(base, reference)
    started = time.monotonic()
    proc = ingest_process(docs, reference)
    try:
        staging_at = wait_for_staging(reference, proc) - started
        assert proc.wait(600) == 0, (tmp_path / "reference-index.log").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    total = time.monotonic() - started
    after = answers(reference, embedder)
    assert after != before  # the new corpus changes the answer, so the check below can tell
    write_window = max(total - staging_at, 0.05)

    plans = [("time", total * f) for f in (0.15, 0.3, 0.45, 0.6, 0.75)]
    plans += [("write", write_window * f) for f in (0.0, 0.05, 0.15, 0.3, 0.6)]
    outcomes = []
    for n, (kind, delay) in enumerate(plans):
        for attempt in range(4):  # a kill that lands after the process exited is retried sooner
            index = tmp_path / f"kill-{n}-{attempt}"
            shutil.copytree(base, index)
            proc = ingest_process(docs, index)
            try:
                if kind == "write":
                    wait_for_staging(index, proc)
                time.sleep(delay / 2**attempt)
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    assert proc.wait(30) == -signal.SIGKILL
                    break
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(30)
        else:
            raise AssertionError(f"kill {n} ({kind}) always came after the ingest had finished")
        live = (index / POINTER).read_text().strip()
        got = answers(index, embedder)
        if live == base_version:
            assert got == before, f"kill {n} ({kind}): the previous index answers differently"
            outcomes.append(f"{kind}:previous")
        else:
            assert got == after, f"kill {n} ({kind}): the switched-to index is not the full new one"
            outcomes.append(f"{kind}:new")
    print(f"\nkills: {len(outcomes)}/10 passed; index live after kill: {outcomes}")
    assert len(outcomes) == 10
    assert sum(o.endswith("previous") for o in outcomes) >= 5


def corrupt(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    else:
        i = len(data) // 2
        path.write_bytes(data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1 :])


@pytest.fixture()
def fresh_index(tmp_path: Path, built_index: Settings) -> Path:
    index = tmp_path / "index"
    shutil.copytree(built_index.index_dir, index)
    return index


def index_files(index: Path) -> list[str]:
    version = index / (index / POINTER).read_text().strip()
    return sorted(p.relative_to(version).as_posix() for p in version.rglob("*") if p.is_file())


def test_every_damaged_index_file_is_a_one_line_reingest_error(
    tmp_path: Path, built_index: Settings
):
    files = index_files(built_index.index_dir)
    assert {"chunks.jsonl", "embeddings.npy", "faiss.index", "manifest.json"} <= set(files)
    assert any(f.startswith("bm25/") for f in files)
    for rel in files:
        for how in ("truncate", "flip"):
            index = tmp_path / f"{rel.replace('/', '_')}-{how}"
            shutil.copytree(built_index.index_dir, index)
            corrupt(index / (index / POINTER).read_text().strip() / rel, how)
            with pytest.raises(IndexIncompatibleError) as info:
                LocalStore(index)
            message = str(info.value)
            assert "\n" not in message and "re-run `ingest`" in message, (rel, how, message)


@pytest.mark.parametrize("pointer", ["", "../../etc", "v-missing-1", "\x00\xff"])
def test_a_bad_pointer_is_a_one_line_error(fresh_index: Path, pointer: str):
    (fresh_index / POINTER).write_text(pointer, encoding="utf-8", errors="surrogateescape")
    with pytest.raises(IndexIncompatibleError, match="re-run `ingest`"):
        LocalStore(fresh_index)


@pytest.mark.slow
def test_cli_reports_a_damaged_index_in_one_line_without_a_traceback(fresh_index: Path):
    version = fresh_index / (fresh_index / POINTER).read_text().strip()
    corrupt(version / "faiss.index", "truncate")
    (version / "manifest.json").write_text('{"files": {"faiss.index": "', encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "{{ cookiecutter.package_name }}",
            "search",
            "kettle",
            "--index",
            str(fresh_index),
        ],
        cwd=PROJECT,
        env={**ENV, "COLUMNS": "300"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: index manifest") and "re-run `ingest`" in lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout
