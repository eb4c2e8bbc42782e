"""`migrate-to-milvus`: copy a faiss index into Milvus without re-embedding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .common import (
    ConfigOpt,
    JsonOpt,
    app,
    one_line_errors,
    out,
    settings_from,
)


@app.command("migrate-to-milvus")
def migrate_to_milvus(
    source: Annotated[
        Path | None,
        typer.Option("--from", help="The faiss index folder to read (default: index_dir)."),
    ] = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Copy a faiss index into Milvus (MILVUS_URI, else index/milvus.db); nothing is re-embedded."""
    from ..ingest.migrate import migrate_to_milvus as run_migration

    settings = settings_from(config)
    with one_line_errors():
        report = run_migration(source or settings.index_dir, settings)
    if as_json:
        out.print_json(json.dumps(report.to_json()))
        return
    out.print(
        f"Copied {report.documents} documents, {report.chunks} chunks from {report.source} into "
        f"{report.target} ({report.vector_index} vector index) in {report.seconds:.1f} s. "
        "Serve it with vector_store: milvus (RAG_VECTOR_STORE=milvus).",
        highlight=False,
    )
    for note in report.notes:
        out.print(f"note: {note}", highlight=False)
