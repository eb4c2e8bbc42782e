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
    typer.Option(
        "--config",
        help="YAML layered over configs/settings.yaml (e.g. configs/experiments/x.yaml).",
    ),
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
    from .ingest.migrate import migrate_to_milvus as run_migration

    settings = settings_from(config)
    try:
        report = run_migration(source or settings.index_dir, settings)
    except RagError as exc:
        raise fail(str(exc)) from None
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
        ).search_redacted(query, mode, k)
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
    judge: Annotated[
        bool | None,
        typer.Option(
            "--judge/--no-judge",
            help="LLM-judged metrics; default: on when RAG_JUDGE_BASE_URL and RAG_JUDGE_MODEL are set.",
        ),
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
            outcome = evaluate(
                pipeline, golden, out_dir, thresholds, readme, on_progress, safety, judge, config
            )
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
    judged = report["judge"]
    if judged["configured"]:
        for name, value in judged["metrics"].items():
            out.print(f"{name} (judge {judged['model']}): {value:.3f}", highlight=False)
    else:
        out.print(f"judge: {judged['note']}", highlight=False)
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


@app.command("eval-compare")
def eval_compare(
    run_a: Annotated[Path, typer.Argument(help="Eval run folder A (the baseline).")],
    run_b: Annotated[Path, typer.Argument(help="Eval run folder B (the change).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Reports folder.")] = Path(
        "reports/compare"
    ),
) -> None:
    """Compare two eval runs on the same golden set: paired tests, per tag, flipped questions."""
    from .eval.compare import compare, load_run, write_comparison

    try:
        result = compare(load_run(run_a), load_run(run_b))
    except RagError as exc:
        raise fail(str(exc)) from None
    run_dir = write_comparison(out_dir, result)
    for name, e in result["metrics"].items():
        mark = "*" if e["significant"] else " "
        out.print(
            f"{name:<42} {e['a']:.3f} -> {e['b']:.3f}  {e['diff']:+.3f}{mark} "
            f"[{e['ci95'][0]:+.3f}, {e['ci95'][1]:+.3f}] p={e['p_value']:.4f}",
            highlight=False,
            soft_wrap=True,
        )
    out.print(f"flipped questions: {len(result['flipped'])}", highlight=False)
    out.print(
        f"report: {run_dir}/compare.md (also {out_dir}/latest/)", highlight=False, soft_wrap=True
    )


@app.command("judge-check")
def judge_check(
    labels: Annotated[Path, typer.Option("--labels", help="Human-labelled rows (JSONL).")] = Path(
        "data/golden/judge_labels.jsonl"
    ),
    out_dir: Annotated[Path, typer.Option("--out", help="Reports folder.")] = Path("reports/judge"),
    config: ConfigOpt = None,
) -> None:
    """Agreement (accuracy, Cohen's kappa) of the configured LLM judge with human labels."""
    from .eval.judge import NOT_CONFIGURED, build_judge
    from .eval.judge_check import load_labels, markdown, run_check, write_result

    settings = settings_from(config)
    if not settings.judge_configured:
        out.print(f"judge-check not run: {NOT_CONFIGURED}", highlight=False)
        return
    try:
        rows = load_labels(labels)
        from .models import load_embedder

        judge = build_judge(settings, load_embedder(settings))
        with progress_bars(8, False) as on_progress:
            result = run_check(judge, rows, on_progress)
    except RagError as exc:
        raise fail(str(exc)) from None
    run_dir = write_result(out_dir, result, labels)
    out.print(markdown(result, labels), highlight=False)
    out.print(f"report: {run_dir}/judge_check.md (also {out_dir}/latest/)", highlight=False)


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
    from . import cost as costing
    from .eval.golden import content_hash, load_golden
    from .retrieval.factory import manifest_with_documents

    settings = settings_from(config, index_dir=index)
    try:
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
                measured = costing.measure(pipeline, items, on_progress)
    except RagError as exc:
        raise fail(str(exc)) from None
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
    from .cards import render

    settings = settings_from(config, index_dir=index)
    try:
        written = render(settings, report, out_dir)
    except RagError as exc:
        raise fail(str(exc)) from None
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
    from .dashboard import render

    try:
        written = render(recording, out_dir)
    except RagError as exc:
        raise fail(str(exc)) from None
    for path in written:
        out.print(f"wrote {path}", highlight=False)


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
    from .reload import install_sighup

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
    from .dashboard import MetricsRecorder
    from .load import DEFAULT_QUESTIONS, run_load
    from .runs import new_run_dir, publish_latest

    questions: list[str] = list(DEFAULT_QUESTIONS)
    if golden is not None:
        from .eval.golden import load_golden

        try:
            questions = [item.question for item in load_golden(golden)]
        except RagError as exc:
            raise fail(str(exc)) from None
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
def bench(
    sizes: Annotated[str, typer.Option("--sizes", help="Corpus sizes in chunks.")] = "1000,10000",
    docs: Annotated[Path, typer.Option("--docs", help="Real documents.")] = Path("data/sample"),
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
) -> None:
    """Benchmark ingest, latency and quality per size against a LangChain baseline."""
    from .bench.command import run

    try:
        for line in run(sizes, docs, golden, out_dir, readme, questions, config, out.print):
            out.print(line, highlight=False)
    except RagError as exc:
        raise fail(str(exc)) from None


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
    from .load import DEFAULT_QUESTIONS
    from .soak import serve_and_soak, update_doc, write_report

    questions: list[str] = list(DEFAULT_QUESTIONS)
    try:
        if golden is not None:
            from .eval.golden import load_golden

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
