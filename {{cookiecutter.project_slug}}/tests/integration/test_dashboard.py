"""make dashboard: metrics recorded from a live server during load, plotted per interval."""

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.ops.dashboard import (
    MetricsRecorder,
    RecordingError,
    load_recording,
    quantile,
    render,
    series,
)
from {{ cookiecutter.package_name }}.ops.load import run_load


def test_quantile_matches_prometheus_interpolation():
    buckets = {0.1: 10.0, 0.2: 30.0, 0.5: 40.0, math.inf: 40.0}
    assert quantile(0.25, buckets) == pytest.approx(0.1)
    assert quantile(0.5, buckets) == pytest.approx(0.15)
    assert quantile(0.95, buckets) == pytest.approx(0.2 + 0.3 * (38 - 30) / 10)
    assert quantile(0.5, {0.1: 0.0, math.inf: 0.0}) is None


@pytest.mark.slow
def test_a_recorded_load_run_becomes_plots(live_server: str, tmp_path: Path):
    recording = tmp_path / "metrics.jsonl"
    with MetricsRecorder(live_server, recording, interval=1.0) as recorder:
        result = run_load(live_server, clients=3, seconds=4.0)
    assert result.requests > 0 and recorder.scrapes >= 3
    data = series(load_recording(recording))
    assert max(data["rps"]) > 0 and max(data["error_rps"]) == 0
    assert any(v for v in data["p95"]["total"]), "no latency was recorded for the total stage"
    written = render(recording, tmp_path / "img")
    assert {p.name for p in written} == {"rates.png", "latency.png"}
    assert all(p.stat().st_size > 5000 for p in written)
    cli = CliRunner().invoke(
        app, ["dashboard", "--recording", str(recording), "--out", str(tmp_path / "cli")]
    )
    assert cli.exit_code == 0 and (tmp_path / "cli" / "latency.png").is_file()


def test_a_missing_recording_is_one_clear_error(tmp_path: Path):
    with pytest.raises(RecordingError, match="run `make load` or `make soak` first"):
        render(tmp_path / "absent.jsonl", tmp_path)


@pytest.mark.slow
def test_make_load_records_what_make_dashboard_plots(live_server: str, tmp_path: Path):
    load = CliRunner().invoke(
        app,
        ["load", "--url", live_server, "--clients", "2", "--seconds", "3", "--out", str(tmp_path)],
    )
    assert load.exit_code == 0, load.output
    recording = tmp_path / "latest" / "metrics.jsonl"
    assert len(recording.read_text().splitlines()) >= 2
    summary = (tmp_path / "latest" / "summary.json").read_text()
    assert '"errors": 0' in summary and '"cache_hits"' in summary
    done = CliRunner().invoke(
        app, ["dashboard", "--recording", str(recording), "--out", str(tmp_path / "img")]
    )
    assert done.exit_code == 0, done.output
    assert (tmp_path / "img" / "rates.png").is_file()
