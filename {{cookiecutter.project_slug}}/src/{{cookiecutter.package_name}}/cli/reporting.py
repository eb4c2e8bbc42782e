"""Reporting commands: drift, cost, cards, dashboard, bench."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .common import (
    ConfigOpt,
    IndexOpt,
    app,
    fail,
    load_pipeline,
    one_line_errors,
    out,
    progress_bars,
    settings_from,
)


@app.command()
def drift(
    log: Annotated[
        Path | None, typer.Option("--log", help="Query log (default: the query_log setting).")
    ] = None,
    window: Annotated[
        int,
        typer.Option("--window", min=10, help="Questions per window; the first is the baseline."),
    ] = 200,
    out_dir: Annotated[Path, typer.Option("--out", help="Reports folder.")] = Path("reports/drift"),
    config: ConfigOpt = None,
) -> None:
    """Query drift over a query log: PSI of each window against the first, a plot, a report."""
    from ..reports.drift import drift_series, markdown, plot, read_log
    from ..reports.runs import write_run

    path = log or settings_from(config).query_log
    if path is None:
        raise fail("no query log: pass --log FILE or set query_log (RAG_QUERY_LOG) on the server")
    with one_line_errors():
        series = drift_series(read_log(path), window)
    public = {k: v for k, v in series.items() if not k.startswith("_")}
    run = write_run(
        out_dir,
        {
            "report.json": json.dumps(public, indent=2, allow_nan=False),
            "report.md": markdown(series, path),
            "drift.png": plot(series),
        },
    )
    latest = series["latest"]
    out.print(
        f"drift: PSI {latest['psi']:.3f} ({series['verdict']}) over the last {window} of "
        f"{series['questions']} questions; report: {run}/report.md (also {out_dir}/latest/)",
        highlight=False,
    )


@app.command()
def cost(
    golden: Annotated[Path, typer.Option("--golden", help="Golden set (JSONL).")] = Path(
        "data/golden/golden.jsonl"
    ),
    prices: Annotated[Path, typer.Option("--prices", help="Price file (YAML).")] = Path(
        "configs/prices.yaml"
    ),
    out_dir: Annotated[Path, typer.Option("--out", help="Reports folder.")] = Path("reports/cost"),
    doc: Annotated[Path, typer.Option("--doc", help="Markdown file to rewrite.")] = Path(
        "docs/cost.md"
    ),
    remeasure: Annotated[
        bool,
        typer.Option(
            "--remeasure",
            help="Measure again even when the latest measurement matches this index and golden set.",
        ),
    ] = False,
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Cost per query and per 1,000 queries for every priced model, CPU time per stage, caching."""
    from ..eval.golden import content_hash, load_golden
    from ..reports import cost as costing
    from ..retrieval.stores.factory import manifest_with_documents

    settings = settings_from(config, index_dir=index)
    with one_line_errors():
        currency, chat, embed = costing.load_prices(prices)
        items = load_golden(golden)
        pipeline = load_pipeline(settings)
        key = {
            "golden_sha256": content_hash(golden),
            "index_created_at": pipeline.store.manifest.get("created_at"),
        }
        previous = out_dir / "latest" / "cost.json"
        measured = None
        if previous.is_file() and not remeasure:
            old = json.loads(previous.read_text(encoding="utf-8"))
            if old.get("key") == key:
                measured = old["measured"]
                out.print(f"reusing the measurement in {previous} (--remeasure to redo it)")
        if measured is None:
            with progress_bars(12, False) as on_progress:
                measured = costing.measure(pipeline, [i.question for i in items], on_progress)
    table = costing.price_table(
        measured["tokens"],
        costing.ingest_tokens(manifest_with_documents(pipeline.store)),
        currency,
        chat,
        embed,
    )
    result = {"key": key, "prices": str(prices), "measured": measured, "table": table}
    run_dir = costing.write(result, out_dir, doc)
    out.print(costing.markdown(result), highlight=False)
    out.print(f"wrote {doc} and {run_dir}/cost.json (also {out_dir}/latest/)", highlight=False)


@app.command()
def cards(
    report: Annotated[Path, typer.Option("--report", help="Eval report to read.")] = Path(
        "reports/eval/latest/report.json"
    ),
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the cards.")] = Path("docs"),
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Render docs/model_card.md and docs/data_card.md from the eval report and the index."""
    from ..reports.cards import render

    settings = settings_from(config, index_dir=index)
    with one_line_errors():
        written = render(settings, report, out_dir)
    for path in written:
        out.print(f"wrote {path}", highlight=False)


@app.command()
def dashboard(
    recording: Annotated[
        Path, typer.Option("--recording", help="metrics.jsonl recorded by `load` or `soak`.")
    ] = Path("reports/load/latest/metrics.jsonl"),
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the PNGs.")] = Path(
        "docs/img/dashboard"
    ),
) -> None:
    """Plot request rate, error rate and p50/p95 latency per stage from a recorded run."""
    from ..ops.dashboard import render

    with one_line_errors():
        written = render(recording, out_dir)
    for path in written:
        out.print(f"wrote {path}", highlight=False)


@app.command()
def bench(
    docs: Annotated[
        Path, typer.Option("--docs", help="Real documents the corpora are built from.")
    ],
    sizes: Annotated[str, typer.Option("--sizes", help="Corpus sizes in chunks.")] = "1000,10000",
    golden: Annotated[Path, typer.Option("--golden", help="Golden set (JSONL).")] = Path(
        "data/golden/golden.jsonl"
    ),
    out_dir: Annotated[Path, typer.Option("--out", help="Reports folder.")] = Path("reports/bench"),
    readme: Annotated[
        Path | None, typer.Option("--readme", help="README whose bench block to refresh.")
    ] = None,
    questions: Annotated[
        int | None, typer.Option("--questions", min=1, help="Use the first N golden questions.")
    ] = None,
    config: ConfigOpt = None,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick", help="40 questions, no extras; writes the run folder only (not docs)."
        ),
    ] = False,
) -> None:
    """Benchmark ingest, latency and quality per size against a LangChain baseline."""
    from ..bench.command import run

    with one_line_errors():
        for line in run(sizes, docs, golden, out_dir, readme, questions, config, out.print, quick):
            out.print(line, highlight=False)
