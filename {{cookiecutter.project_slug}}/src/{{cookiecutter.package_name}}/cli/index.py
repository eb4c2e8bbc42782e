"""Index and query commands: ingest, search, ask."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..core.types import Turn
from ..ingest.acl import GROUP_NAME as _GROUP
from .common import (
    EXIT_PARTIAL,
    ConfigOpt,
    IndexOpt,
    JsonOpt,
    ModeOpt,
    app,
    fail,
    load_pipeline,
    one_line_errors,
    out,
    progress_bars,
    settings_from,
)


@app.command()
def ingest(
    docs_dir: Annotated[Path, typer.Argument(help="Folder of .md, .txt, .html and .pdf files.")],
    index: IndexOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Build or update the index. Exit 0: all indexed; 3: indexed, some files skipped; 1: error."""
    from ..ingest.indexer import ingest as run_ingest
    from ..models.encoders import load_embedder

    settings = settings_from(config, index_dir=index)
    with one_line_errors():
        embedder = load_embedder(settings)
        with progress_bars(10, as_json) as on_progress:
            report = run_ingest(docs_dir, settings, embedder, on_progress)
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
    groups: GroupsOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Retrieve the best chunks, with the score each stage gave them."""
    settings = settings_from(config, index_dir=index)
    with one_line_errors():
        result = load_pipeline(
            settings, with_reranker=(mode or settings.mode) == "hybrid+rerank"
        ).search_redacted(query, mode, k, parse_groups(groups))
    data = result.to_response()
    if as_json:
        out.print_json(data.model_dump_json())
        return
    table = Table(title=f"{data.mode} ({'re-ranked' if data.reranked else 'not re-ranked'})")
    for column in ("#", "doc_id", "chunk", "scores", "text"):
        table.add_column(column, overflow="fold")
    for row in data.results:
        scores = " ".join(f"{k}={v:.3f}" for k, v in row.scores.items())
        table.add_row(
            str(row.rank), row.doc_id, row.chunk_id.split("#")[-1], scores, row.text[:160]
        )
    out.print(table)
    for note in data.notes:
        out.print(f"note: {note}", highlight=False)
    out.print(_latency_line(data.latency_ms), highlight=False)


GroupsOpt = Annotated[
    str | None,
    typer.Option(
        "--groups",
        help="Comma-separated groups the caller belongs to (document permissions); "
        "none: public documents only.",
    ),
]


def parse_groups(text: str | None) -> frozenset[str]:
    groups = frozenset(g.strip() for g in (text or "").split(",") if g.strip())
    bad = sorted(g for g in groups if not _GROUP.match(g))
    if bad:
        raise fail(f"--groups: {bad[0]!r} is not a group name (letters, digits and ._:@-)")
    return groups


def read_history(path: Path) -> list[Turn]:
    """The turns in a history file, or one line saying what is wrong with it."""
    from pydantic import ValidationError

    from ..pipeline import MAX_HISTORY_TURNS, History

    try:
        turns = History.validate_json(path.read_bytes())
    except OSError as exc:
        raise fail(f"cannot read the history file {path}: {exc.strerror}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ())) or "the file"
        expected = 'expected a JSON list of objects with "question" and "answer"'
        raise fail(f"{path}: {where}: {first['msg']} ({expected})") from None
    if len(turns) > MAX_HISTORY_TURNS:
        raise fail(f"{path}: {len(turns)} turns; at most {MAX_HISTORY_TURNS} are read")
    return [t.turn() for t in turns]


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
    history: Annotated[
        Path | None,
        typer.Option(
            "--history",
            help='Earlier turns, oldest first: a JSON list of {"question", "answer"}.',
        ),
    ] = None,
    groups: GroupsOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from the documents, with citations, or refuse."""
    from ..core import tracing

    settings = settings_from(config, index_dir=index)
    tracing.configure(settings)  # RAG_OTEL_EXPORTER=console: the stage spans on standard error
    with one_line_errors():
        turns = read_history(history) if history else []
        result = load_pipeline(settings).ask(question, mode, k, turns, groups=parse_groups(groups))
    data = result.to_response(uuid.uuid4().hex)
    if as_json:
        out.print_json(data.model_dump_json())
        return
    out.print(data.answer, highlight=False, soft_wrap=True)
    for c in data.citations:
        out.print(f"  [{c.n}] {c.doc_id} ({c.chunk_id})", highlight=False)
    out.print(
        f"refused: {str(data.refused).lower()}" + (f" ({data.reason})" if data.reason else "")
    )
    for note in data.notes:
        out.print(f"note: {note}", highlight=False)
    out.print(_latency_line(data.latency_ms), highlight=False)
