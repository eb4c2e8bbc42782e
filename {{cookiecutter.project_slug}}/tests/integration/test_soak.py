"""The soak runner: the measuring code in-process for a few seconds, and the `soak` command."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.helpers.corpus import PROJECT

from {{ cookiecutter.package_name }}.ops.soak import (
    DOC_BEGIN,
    DOC_END,
    run_soak,
    update_doc,
    write_report,
)


def test_soak_measures_errors_latency_and_memory(live_server: str, tmp_path: Path):
    summary = run_soak(live_server, os.getpid(), clients=4, seconds=5, warmup_s=1)
    assert summary["errors"] == 0, summary["error_samples"]
    assert summary["requests"] >= 8
    assert {"ask", "search", "health"} <= set(summary["latency_ms"])
    assert summary["latency_ms"]["ask"]["n"] > 0 and summary["latency_ms"]["all"]["p99"] > 0
    memory = summary["memory"]
    assert memory["samples"] >= 4 and memory["rss_first_mb"] > 0
    assert memory["window_s"] == pytest.approx(summary["seconds"] / 3, abs=0.2)

    report = write_report(summary, tmp_path / "soak")
    assert json.loads((tmp_path / "soak" / "latest" / "soak.json").read_text()) == summary
    doc = tmp_path / "reliability.md"
    doc.write_text(f"# R\n\n{DOC_BEGIN}\nold\n{DOC_END}\n", encoding="utf-8")
    assert update_doc(doc, summary, report)
    text = doc.read_text()
    assert "old" not in text and f"| errors | {summary['errors']} |" in text


def test_soak_refuses_non_loopback_urls():
    with pytest.raises(ValueError, match="loopback"):
        run_soak("http://example.com", os.getpid(), clients=1, seconds=1)


@pytest.mark.slow
def test_soak_command_serves_loads_and_reports(built_index, tmp_path: Path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "{{ cookiecutter.package_name }}",
            "soak",
            "--index",
            str(built_index.index_dir),
            "--clients",
            "3",
            "--seconds",
            "4",
            "--warmup",
            "1",
            "--out",
            str(tmp_path / "soak"),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads((tmp_path / "soak" / "latest" / "soak.json").read_text())
    assert summary["errors"] == 0 and summary["passed"] is True
    assert summary["requests"] > 0 and summary["memory"]["samples"] >= 3
