"""Command line: ingest, search, ask, eval, serve, models."""

from __future__ import annotations

import json
import sys
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
        with Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=as_json or not err.is_terminal,
        ) as progress:
            tasks: dict[str, Any] = {}

            def on_progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total)
                progress.update(tasks[stage], completed=done, total=total)

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
