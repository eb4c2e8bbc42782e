"""End to end: a bake with non-default names sets itself up and passes its own lint and tests;
the default bake demos and evaluates."""

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_NAMES

pytestmark = pytest.mark.timeout(3600)


def make(project: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", *targets], cwd=project, capture_output=True, text=True, check=False
    )


def normalise(name: str) -> str:
    """PEP 503 project name: `boolean.py` and `Boolean_Py` are both `boolean-py`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def assert_installed_from_lock(project: Path) -> None:
    """Every package pinned in requirements.lock (for this Python) is installed at that version."""
    freeze = subprocess.run(
        [str(project / ".venv/bin/python"), "-m", "pip", "freeze", "--all"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    installed = {
        normalise(line.split("==")[0]): line.split("==")[1]
        for line in freeze.splitlines()
        if "==" in line
    }
    checked = 0
    for line in (project / "requirements.lock").read_text().splitlines():
        if line.startswith("#") or "==" not in line:
            continue
        spec, _, marker = line.partition(";")
        if (
            marker.strip()
            and "python_full_version < '3.12'" in marker
            and sys.version_info >= (3, 12)
        ):
            continue
        name, version = (x.strip() for x in spec.split("=="))
        name = normalise(name.split("[")[0])
        if marker.strip() and name not in installed:
            continue  # a platform- or version-specific pin that does not apply here
        assert installed.get(name) == version, (
            f"{name}: lock {version}, installed {installed.get(name)}"
        )
        checked += 1
    assert checked > 100, f"only {checked} locked packages checked"


def test_renamed_bake_carries_no_template_default_name(renamed_project: Path):
    places = [renamed_project / "Makefile"] + [
        path
        for folder in ("src", "tests", "configs")
        for path in (renamed_project / folder).rglob("*")
        if path.is_file() and path.suffix not in {".npz", ".png", ".pdf"}
    ]
    found = [
        f"{path.relative_to(renamed_project)}: {name}"
        for path in places
        for name in DEFAULT_NAMES
        if name in path.read_text(encoding="utf-8")
    ]
    assert not found, found


def test_renamed_bake_passes_its_own_lint_and_tests(renamed_project: Path):
    """The full baked suite (soak included) on a bake named nothing like the defaults."""
    started = time.monotonic()
    setup = make(renamed_project, "setup")
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    assert_installed_from_lock(renamed_project)
    lint = make(renamed_project, "lint")
    assert lint.returncode == 0, lint.stdout[-3000:] + lint.stderr[-3000:]
    tests_started = time.monotonic()
    tests = make(renamed_project, "test")
    assert tests.returncode == 0, tests.stdout[-5000:] + tests.stderr[-3000:]
    assert " passed" in tests.stdout and " failed" not in tests.stdout
    assert "skipped" not in tests.stdout.splitlines()[-1], tests.stdout[-2000:]
    print(
        f"renamed bake: setup+lint {tests_started - started:.0f} s, "
        f"make test {time.monotonic() - tests_started:.0f} s"
    )


def test_default_bake_demo_serves_api_and_ui(default_project: Path):
    """`make demo` indexes the sample corpus and serves; a golden question gets a cited answer."""
    import json
    import os
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        ["make", "demo", f"PORT={port}"],
        cwd=default_project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 900
        while True:
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            assert time.monotonic() < deadline, "demo did not become ready"
            try:
                with urllib.request.urlopen(f"{base}/ready", timeout=5) as response:
                    ready = json.load(response)
                break
            except OSError:
                time.sleep(2)
        assert ready["index"]["documents"] >= 60
        golden = (
            (default_project / "data" / "golden" / "golden.jsonl")
            .read_text()
            .splitlines()
        )
        question = next(
            json.loads(line)
            for line in golden
            if json.loads(line)["tags"][0] == "factual"
        )
        request = urllib.request.Request(
            f"{base}/ask",
            data=json.dumps({"question": question["question"]}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.load(response)
        assert answer["refused"] is False and answer["citations"]
        assert {c["doc_id"] for c in answer["citations"]} & set(
            question["relevant_ids"]
        )
        with urllib.request.urlopen(f"{base}/ui/", timeout=30) as response:
            assert response.status == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    assert (default_project / "index" / "CURRENT").is_file()


def test_default_bake_eval_passes_its_gate_and_fills_the_readme(default_project: Path):
    import json
    import time

    started = time.monotonic()
    done = make(default_project, "eval")
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(
        (default_project / "reports" / "eval" / "latest" / "report.json").read_text()
    )
    assert {
        "schema_version",
        "golden",
        "retrieval",
        "refusal",
        "answers",
        "latency_ms",
    } <= set(report)
    assert report["gate"]["checked"] > 0 and report["gate"]["breaches"] == []
    hybrid = report["retrieval"]["hybrid"]["ndcg@10"]
    assert hybrid >= max(
        report["retrieval"]["bm25"]["ndcg@10"], report["retrieval"]["dense"]["ndcg@10"]
    )
    readme = (default_project / "README.md").read_text()
    assert f"| hybrid | {report['retrieval']['hybrid']['recall@5']:.3f} |" in readme
    print(f"make eval took {elapsed:.0f} s")
