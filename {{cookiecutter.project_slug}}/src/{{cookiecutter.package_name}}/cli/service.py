"""Service and operations commands: serve, load, soak, models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..core.errors import RagError
from .common import (
    EXIT_ERROR,
    ConfigOpt,
    IndexOpt,
    app,
    fail,
    load_pipeline,
    one_line_errors,
    out,
    settings_from,
)


@app.command()
def serve(
    index: IndexOpt = None,
    host: Annotated[str, typer.Option("--host", help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    config: ConfigOpt = None,
) -> None:
    """Serve the HTTP API and the UI (at /ui) from one process."""
    import uvicorn

    from ..core import tracing
    from ..service.app import create_app
    from ..service.observability import configure_logging

    settings = settings_from(config, index_dir=index)
    with one_line_errors():
        app = create_app(load_pipeline(settings))
    base = f"http://{host}:{port}"
    out.print(
        f"API  {base}/docs\nUI   {base}/ui/\nready {base}/ready  metrics {base}/metrics",
        highlight=False,
    )
    configure_logging()
    tracing.configure(settings)
    from ..service.reload import install_sighup

    install_sighup(app.state.live)  # `kill -HUP <pid>` swaps in a re-ingested index
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)


@app.command()
def load(
    url: Annotated[
        str, typer.Option("--url", help="Base URL of a running server (loopback only).")
    ] = "http://127.0.0.1:8000",
    clients: Annotated[int, typer.Option("--clients", min=1, max=200)] = 20,
    seconds: Annotated[float, typer.Option("--seconds", min=1, max=600)] = 30.0,
    golden: Annotated[
        Path | None, typer.Option("--golden", help="Take questions from a golden set.")
    ] = None,
    out_dir: Annotated[
        Path,
        typer.Option("--out", help="Where the summary and the /metrics recording are written."),
    ] = Path("reports/load"),
) -> None:
    """Concurrent clients against POST /ask for a bounded time; prints errors and p50/p95/p99,
    and records /metrics every 2 s for `dashboard`."""
    from ..ops.dashboard import MetricsRecorder
    from ..ops.load import DEFAULT_QUESTIONS, run_load
    from ..reports.runs import new_run_dir, publish_latest

    questions: list[str] = list(DEFAULT_QUESTIONS)
    if golden is not None:
        from ..eval.golden import load_golden

        with one_line_errors():
            questions = [item.question for item in load_golden(golden)]
    run_dir = new_run_dir(out_dir)
    try:
        with MetricsRecorder(url, run_dir / "metrics.jsonl"):
            summary = run_load(url, clients, seconds, questions).summary()
    except ValueError as exc:
        raise fail(str(exc)) from None
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    publish_latest(out_dir, run_dir)
    out.print_json(json.dumps(summary))
    out.print(
        f"recorded {out_dir}/latest/metrics.jsonl: `make dashboard` plots it", highlight=False
    )
    if summary["errors"]:
        raise typer.Exit(EXIT_ERROR)


@app.command()
def soak(
    index: IndexOpt = None,
    clients: Annotated[int, typer.Option("--clients", min=1, max=200)] = 50,
    seconds: Annotated[float, typer.Option("--seconds", min=1, max=3600)] = 120.0,
    warmup: Annotated[
        float, typer.Option("--warmup", min=0, max=600, help="Unmeasured seconds first.")
    ] = 20.0,
    out_dir: Annotated[Path, typer.Option("--out", help="Reports folder.")] = Path("reports/soak"),
    doc: Annotated[
        Path | None, typer.Option("--doc", help="Markdown file whose soak block to refresh.")
    ] = None,
    golden: Annotated[
        Path | None, typer.Option("--golden", help="Take questions from a golden set.")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Serve on loopback, run mixed ask/search/health load; errors, p50/p95/p99, RSS growth."""
    from ..ops.load import DEFAULT_QUESTIONS
    from ..ops.soak import serve_and_soak, update_doc, write_report

    questions: list[str] = list(DEFAULT_QUESTIONS)
    try:
        if golden is not None:
            from ..eval.golden import load_golden

            questions = [item.question for item in load_golden(golden)]
        summary = serve_and_soak(index, clients, seconds, config, questions, warmup)
    except (RagError, RuntimeError, ValueError) as exc:
        raise fail(str(exc)) from None
    report = write_report(summary, out_dir)
    out.print_json(json.dumps(summary))
    out.print(f"report: {report}", highlight=False)
    if doc is not None and update_doc(doc, summary, report):
        out.print(f"soak figures refreshed in {doc}", highlight=False)
    if not summary["passed"]:
        raise typer.Exit(EXIT_ERROR)


@app.command()
def models(config: ConfigOpt = None) -> None:
    """Fetch the configured embedder and cross-encoder into models/ (needs the model hub)."""
    from ..models.fetch import fetch_all

    settings = settings_from(config)
    with one_line_errors():
        for line in fetch_all(settings):
            out.print(line, highlight=False)
