"""The `bench` command: run, write the reports, refresh the README, summarise."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from .report import update_readme, write_run
from .runner import parse_sizes, run_bench

QUICK_QUESTIONS = 40


def run(
    sizes: str,
    docs: Path,
    golden: Path,
    out_dir: Path,
    readme: Path | None,
    questions: int | None,
    config: Path | None,
    log: Callable[[str], None],
    quick: bool = False,
) -> Iterator[str]:
    """Yield the summary lines once the run is written. A quick run (40 questions unless told,
    no extras) writes its run folder only: docs/bench.md and the README keep the full run."""
    if quick:
        questions = questions or QUICK_QUESTIONS
    bench = run_bench(parse_sizes(sizes), docs, golden, config, questions, log, quick=quick)
    folder = write_run(out_dir, bench)
    at = str(bench["compare_at"])
    ours = bench["sizes"][at]
    base = bench["baseline"]
    for size in sorted(bench["sizes"], key=int):
        s = bench["sizes"][size]
        hybrid = s["latency_ms"]["search_hybrid"]
        yield (
            f"{s['chunks']:>7} chunks: ingest {s['ingest_chunks_per_s']:.0f} chunks/s, index "
            f"{s['index_mb']:.1f} MB, peak RSS {s['peak_rss_mb']:.0f} MB, hybrid p50/p95 "
            f"{hybrid['p50']:.1f}/{hybrid['p95']:.1f} ms, +rerank p95 "
            f"{s['latency_ms']['search_hybrid+rerank']['p95']:.0f} ms, nDCG@10 hybrid "
            f"{s['ndcg@10']['hybrid']:.3f}"
        )
    yield (
        f"LangChain baseline at {ours['chunks']} chunks: nDCG@10 {base['ndcg@10']:.3f} "
        f"(ours {ours['ndcg@10']['hybrid']:.3f}), recall@5 {base['recall@5']:.3f} "
        f"(ours {ours['recall@5']['hybrid']:.3f}), p95 {base['latency_ms']['p95']:.1f} ms "
        f"(ours {ours['latency_ms']['search_hybrid']['p95']:.1f} ms)"
    )
    yield f"speedup vs baseline: {bench['speedup_vs_baseline']:.1f}x at p95, {bench['speedup_vs_baseline_p50']:.1f}x at p50"
    for check in bench["checks"]:
        yield f"{'met ' if check['met'] else 'MISS'} {check['check']}: {check['value']} (target {check['target']})"
    yield f"report: {folder}/bench.md (also {out_dir}/latest/)"
    if quick:
        yield "quick run: docs/bench.md and the README bench block are left as the last full run"
    elif readme is not None and update_readme(readme, bench):
        yield f"bench block refreshed in {readme}; docs/bench.md and docs/img/bench.png written"
