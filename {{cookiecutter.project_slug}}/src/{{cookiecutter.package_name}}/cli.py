"""Command line: ingest, search, ask, eval, serve, models."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .config import MODES, Settings, load_settings
from .errors import RagError

app = typer.Typer(
    help="Hybrid retrieval-augmented question answering over your documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="YAML settings file (default configs/settings.yaml)."),
]
IndexOpt = Annotated[Path | None, typer.Option("--index", help="Index folder (default index/).")]


def _mode(value: str | None) -> str | None:
    if value is not None and value not in MODES:
        raise typer.BadParameter(f"use one of {', '.join(MODES)}")
    return value


ModeOpt = Annotated[
    str | None, typer.Option("--mode", callback=_mode, help=f"One of {', '.join(MODES)}.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]

EXIT_ERROR = 1
EXIT_PARTIAL = 3
EXIT_GATE = 4


@contextmanager
def progress_bars(width: int, disabled: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress display on stderr; yields the (stage, done, total) callback to feed it."""
    with Progress(
        TextColumn("{task.description:<" + str(width) + "}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=disabled or not err.is_terminal,
    ) as progress:
        tasks: dict[str, Any] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield on_progress


def fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_ERROR)


def settings_from(config: Path | None, **overrides: Any) -> Settings:
    try:
        return load_settings(config, **overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ())) or "settings"
        raise fail(f"invalid setting {where}: {first['msg']}") from None
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None


def load_pipeline(settings: Settings, with_reranker: bool = True) -> Any:
    from .pipeline import Pipeline

    return Pipeline.load(settings, with_reranker=with_reranker)


@app.command()
def ingest(
    docs_dir: Annotated[Path, typer.Argument(help="Folder of .md, .txt, .html and .pdf files.")],
    index: IndexOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Build or update the index. Exit 0: all indexed; 3: indexed, some files skipped; 1: error."""
    from .ingest.indexer import ingest as run_ingest
    from .models import load_embedder

    settings = settings_from(config, index_dir=index)
    try:
        embedder = load_embedder(settings)
        with progress_bars(10, as_json) as on_progress:
            report = run_ingest(docs_dir, settings, embedder, on_progress)
    except RagError as exc:
        raise fail(str(exc)) from None
    if as_json:
        out.print_json(json.dumps(report.to_json()))
    else:
        out.print(
            f"Indexed {report.documents} documents into {report.chunks} chunks at "
            f"{report.index_dir} in {report.seconds:.1f} s "
            f"({len(report.new)} new, {len(report.changed)} changed, "
            f"{len(report.unchanged)} unchanged, {len(report.removed)} removed; "
            f"{report.embedded_chunks} chunks embedded)",
            highlight=False,
        )
        if report.note:
            out.print(f"note: {report.note}", highlight=False)
        if report.skipped:
            out.print(f"Skipped {len(report.skipped)}:", highlight=False)
            for doc_id, reason in report.skipped:
                out.print(f"  {doc_id}: {reason}", highlight=False, soft_wrap=True)
    if report.skipped:
        raise typer.Exit(EXIT_PARTIAL)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    index: IndexOpt = None,
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="Results to show.")] = 5,
    mode: ModeOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Retrieve the best chunks, with the score each stage gave them."""
    settings = settings_from(config, index_dir=index)
    try:
        result = load_pipeline(
            settings, with_reranker=(mode or settings.mode) == "hybrid+rerank"
        ).search(query, mode, k)
    except RagError as exc:
        raise fail(str(exc)) from None
    data = result.to_json()
    if as_json:
        out.print_json(json.dumps(data))
        return
    table = Table(title=f"{data['mode']} ({'re-ranked' if data['reranked'] else 'not re-ranked'})")
    for column in ("#", "doc_id", "chunk", "scores", "text"):
        table.add_column(column, overflow="fold")
    for row in data["results"]:
        scores = " ".join(f"{k}={v:.3f}" for k, v in row["scores"].items())
        table.add_row(
            str(row["rank"]),
            row["doc_id"],
            row["chunk_id"].split("#")[-1],
            scores,
            row["text"][:160],
        )
    out.print(table)
    for note in data["notes"]:
        out.print(f"note: {note}", highlight=False)
    out.print(_latency_line(data["latency_ms"]), highlight=False)


def _latency_line(latency: dict[str, float]) -> str:
    return "latency: " + ", ".join(f"{k} {v:.1f} ms" for k, v in latency.items())


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question about the documents.")],
    index: IndexOpt = None,
    mode: ModeOpt = None,
    k: Annotated[
        int | None, typer.Option("--k", min=1, max=50, help="Chunks given to the answerer.")
    ] = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from the documents, with citations, or refuse."""
    settings = settings_from(config, index_dir=index)
    try:
        result = load_pipeline(settings).ask(question, mode, k)
    except RagError as exc:
        raise fail(str(exc)) from None
    data = result.to_json()
    if as_json:
        out.print_json(json.dumps(data))
        return
    out.print(data["answer"], highlight=False, soft_wrap=True)
    for c in data["citations"]:
        out.print(f"  [{c['n']}] {c['doc_id']} ({c['chunk_id']})", highlight=False)
    out.print(
        f"refused: {str(data['refused']).lower()}"
        + (f" ({data['reason']})" if data["reason"] else "")
    )
    for note in data["notes"]:
        out.print(f"note: {note}", highlight=False)
    out.print(_latency_line(data["latency_ms"]), highlight=False)


@app.command("eval")
def eval_command(
    golden: Annotated[Path, typer.Option("--golden", help="Golden set (JSONL).")] = Path(
        "data/golden/golden.jsonl"
    ),
    index: IndexOpt = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Reports folder.")] = Path("reports/eval"),
    thresholds: Annotated[
        Path | None,
        typer.Option("--thresholds", help="Quality gate (YAML); omit to skip the gate."),
    ] = None,
    readme: Annotated[
        Path | None, typer.Option("--readme", help="README whose results block to refresh.")
    ] = None,
    safety: Annotated[
        Path | None, typer.Option("--safety", help="Safety pack folder (*.jsonl) to run as well.")
    ] = None,
    mode: ModeOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Evaluate on a golden set: ablations, refusals, answer metrics, latency; apply the gate."""
    from .eval.command import evaluate

    settings = settings_from(config, index_dir=index, mode=mode)
    try:
        pipeline = load_pipeline(settings)
        with progress_bars(14, False) as on_progress:
            outcome = evaluate(pipeline, golden, out_dir, thresholds, readme, on_progress, safety)
    except RagError as exc:
        raise fail(str(exc)) from None
    from .eval.report import retrieval_table

    report = outcome.report
    out.print(retrieval_table(report), highlight=False)
    refusal = report["refusal"]
    out.print(
        f"refusals: unanswerable refused {refusal['unanswerable_refusal_rate']:.3f}, "
        f"answerable wrongly refused {refusal['answerable_false_refusal_rate']:.3f}",
        highlight=False,
    )
    for name, value in report["answers"].items():
        out.print(f"{name}: {value:.3f}", highlight=False)
    out.print(
        "latency p95: "
        + ", ".join(
            f"{k} {v['p95']:.1f} ms" for k, v in report["latency_ms"].items() if "p95" in v
        ),
        highlight=False,
    )
    if "safety" in report:
        s = report["safety"]
        out.print(
            f"safety: pass rate {s['pass_rate']:.3f} over {s['n']} cases, benign wrongly blocked "
            f"{s['benign_false_block_rate']:.3f}; "
            + ", ".join(f"{c} {v['pass_rate']:.2f}" for c, v in s["by_category"].items()),
            highlight=False,
        )
    skipped = report["retrieval"].get("hybrid+rerank", {}).get("skipped")
    if skipped:
        out.print(f"note: hybrid+rerank skipped ({skipped})", highlight=False)
    out.print(f"report: {outcome.run_dir}/report.md (also {out_dir}/latest/)", highlight=False)
    if outcome.readme_updated:
        out.print(f"results table refreshed in {readme}", highlight=False)
    if thresholds and not thresholds.is_file():
        out.print(
            f"note: no gate applied, {thresholds} does not exist: run `make eval-baseline` to create it",
            highlight=False,
        )
    if outcome.breaches:
        for breach in outcome.breaches:
            err.print(f"[bold red]gate:[/] {breach}", highlight=False)
        raise typer.Exit(EXIT_GATE)


@app.command("eval-baseline")
def eval_baseline(
    report: Annotated[
        Path, typer.Option("--report", help="report.json to take the values from.")
    ] = Path("reports/eval/latest/report.json"),
    thresholds: Annotated[Path, typer.Option("--thresholds", help="File to write.")] = Path(
        "eval/thresholds.yaml"
    ),
) -> None:
    """Rewrite the gate's thresholds from a report, minus the stated margins."""
    from .eval.gate import baseline, write_thresholds

    if not report.is_file():
        raise fail(f"{report} not found: run `eval` first")
    values = baseline(json.loads(report.read_text(encoding="utf-8")))
    write_thresholds(thresholds, values, str(report))
    for kind, entries in values.items():
        for path, bound in entries.items():
            out.print(f"{kind} {path}: {bound}", highlight=False)
    out.print(f"wrote {thresholds}", highlight=False)


@app.command()
def serve(
    index: IndexOpt = None,
    host: Annotated[str, typer.Option("--host", help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    config: ConfigOpt = None,
) -> None:
    """Serve the HTTP API and the UI (at /ui) from one process."""
    import uvicorn

    from .api import create_app
    from .observability import configure_logging

    settings = settings_from(config, index_dir=index)
    try:
        app = create_app(load_pipeline(settings))
    except RagError as exc:
        raise fail(str(exc)) from None
    base = f"http://{host}:{port}"
    out.print(
        f"API  {base}/docs\nUI   {base}/ui/\nready {base}/ready  metrics {base}/metrics",
        highlight=False,
    )
    configure_logging()
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
) -> None:
    """Concurrent clients against POST /ask for a bounded time; prints errors and p50/p95/p99."""
    from .load import DEFAULT_QUESTIONS, run_load

    questions: list[str] = list(DEFAULT_QUESTIONS)
    if golden is not None:
        from .eval.golden import load_golden

        try:
            questions = [item.question for item in load_golden(golden)]
        except RagError as exc:
            raise fail(str(exc)) from None
    try:
        summary = run_load(url, clients, seconds, questions).summary()
    except ValueError as exc:
        raise fail(str(exc)) from None
    out.print_json(json.dumps(summary))
    if summary["errors"]:
        raise typer.Exit(EXIT_ERROR)


@app.command()
def models(config: ConfigOpt = None) -> None:
    """Fetch the configured embedder and cross-encoder into models/ (needs the model hub)."""
    from .model_fetch import fetch_all

    settings = settings_from(config)
    try:
        for line in fetch_all(settings):
            out.print(line, highlight=False)
    except RagError as exc:
        raise fail(str(exc)) from None


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
