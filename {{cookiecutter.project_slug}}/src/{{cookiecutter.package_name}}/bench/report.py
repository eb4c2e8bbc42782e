"""Writing a benchmark run: bench.json, bench.md, bench.png; the README's bench block."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..reports.runs import new_run_dir, publish_latest, replace_block
from .embedder import (
    INT8_MAX_NDCG_DROP,
    INT8_MIN_MEAN_COSINE,
    INT8_MIN_P5_COSINE,
    MATMUL_N,
    MATMUL_REPEATS,
)
from .measure import RERANK_BUDGET_MS

README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"
MATMUL_NOTE = f"best of {MATMUL_REPEATS} products of two {MATMUL_N} x {MATMUL_N} matrices"
STAGES = (
    "embed_query",
    "bm25",
    "dense",
    "fuse",
    "retrieve",
    "rerank",
    "answer",
    "search_hybrid",
    "search_hybrid+rerank",
    "total",
)


def _size_table(bench: dict[str, Any]) -> list[str]:
    sizes = sorted(bench["sizes"], key=int)
    lines = [
        "| chunks | ingest chunks/s | re-ingest unchanged (s) | index MB | peak RSS MB | "
        "hybrid p50 / p95 ms | hybrid+rerank p95 ms | dense index |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        s = bench["sizes"][size]
        hybrid = s["latency_ms"]["search_hybrid"]
        lines.append(
            f"| {s['chunks']} | {s['ingest_chunks_per_s']:.0f} | {s['reingest_unchanged_s']:.2f} | "
            f"{s['index_mb']:.1f} | {s['peak_rss_mb']:.0f} | {hybrid['p50']:.1f} / "
            f"{hybrid['p95']:.1f} | {s['latency_ms']['search_hybrid+rerank']['p95']:.0f} | "
            f"{s['dense_index']['type']} |"
        )
    return lines


def _comparison(bench: dict[str, Any]) -> list[str]:
    at = str(bench["compare_at"])
    ours = bench["sizes"][at]
    base = bench["baseline"]
    hybrid = ours["latency_ms"]["search_hybrid"]
    return [
        f"| at {ours['chunks']} chunks | nDCG@10 | recall@5 | p50 ms | p95 ms |",
        "|---|---|---|---|---|",
        f"| this project, hybrid | {ours['ndcg@10']['hybrid']:.3f} | "
        f"{ours['recall@5']['hybrid']:.3f} | {hybrid['p50']:.1f} | {hybrid['p95']:.1f} |",
        f"| LangChain EnsembleRetriever (rank-bm25 + FAISS) | {base['ndcg@10']:.3f} | "
        f"{base['recall@5']:.3f} | {base['latency_ms']['p50']:.1f} | "
        f"{base['latency_ms']['p95']:.1f} |",
    ]


def _ask_table(bench: dict[str, Any]) -> list[str]:
    """p50 / p95 ms of every ask stage at every size (distinct questions, cold caches)."""
    sizes = sorted(bench["sizes"], key=int)
    stages: list[str] = []
    for size in sizes:
        for stage in bench["sizes"][size].get("ask_latency_ms", {}):
            if stage not in stages:
                stages.append(stage)
    rows = [
        "| stage | " + " | ".join(f"{s} chunks p50 / p95 ms" for s in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for stage in stages:
        cells = []
        for size in sizes:
            q = bench["sizes"][size].get("ask_latency_ms", {}).get(stage)
            cells.append(f"{q['p50']:.1f} / {q['p95']:.1f}" if q else "n/a")
        rows.append(f"| {stage} | " + " | ".join(cells) + " |")
    return rows


def _filter_lines(bench: dict[str, Any]) -> list[str]:
    """What document permissions cost hybrid retrieval, by share of the corpus restricted."""
    sizes = [
        s
        for s in sorted(bench["sizes"], key=int)
        if "overhead_p95" in bench["sizes"][s].get("access_filter", {})
    ]
    if not sizes:
        return []
    rows = [
        "Document permissions: hybrid retrieval p95 ms (query embedding included) for a caller "
        "outside the group, with a share of the chunks restricted.",
        "",
        "| chunks | none restricted | 10 % | 90 % | added at p95 (10 % / 90 %) |",
        "|---|---|---|---|---|",
    ]
    for size in sizes:
        f = bench["sizes"][size]["access_filter"]
        over = f["overhead_p95"]
        rows.append(
            f"| {size} | {f['0%']['p95']:.1f} | {f['10%']['p95']:.1f} | {f['90%']['p95']:.1f} "
            f"| {over['10%']:+.0%} / {over['90%']:+.0%} |"
        )
    return [*rows, ""]


def _tracing_lines(bench: dict[str, Any]) -> list[str]:
    """What OpenTelemetry tracing costs on the ask path, off (the default) and on."""
    sizes = [s for s in sorted(bench["sizes"], key=int) if "tracing" in bench["sizes"][s]]
    if not sizes:
        return []
    rows = [
        "Tracing (`otel_exporter`), the same questions alternately off and on (spans kept in "
        "memory): ask p50 / p95 ms.",
        "",
        "| chunks | off | on | spans per ask | one timed stage, tracing off |",
        "|---|---|---|---|---|",
    ]
    for size in sizes:
        t = bench["sizes"][size]["tracing"]
        off, on = t["ask_ms_off"], t["ask_ms_on"]
        rows.append(
            f"| {size} | {off['p50']:.1f} / {off['p95']:.1f} | {on['p50']:.1f} / {on['p95']:.1f} "
            f"| {t['spans_per_ask']:.0f} | {t['stage_ns_off']:.0f} ns |"
        )
    return [*rows, ""]


def markdown(bench: dict[str, Any], image: str = "bench.png") -> str:
    at = str(bench["compare_at"])
    m = bench["machine"]
    first = bench["sizes"][min(bench["sizes"], key=int)]
    out = [
        "# Benchmark",
        "",
        f"{m['cpus']} CPUs ({', '.join(m.get('flags', [])) or 'no AVX2'}; int8 VNNI: "
        f"{'yes' if m.get('vnni') else 'no'}), {m['torch_threads']} torch threads, torch {m['torch']}, "
        f"Python {m['python']}. Corpus: `{bench['docs']}` plus seeded filler notes up to each size. "
        f"Queries: the golden set `{bench['golden']['path']}`, each timed once with a cold "
        "query-embedding cache (cache hits are timed separately below). Timings on a shared "
        "machine are noisy; compare runs on the same machine.",
        "",
        "## Sizes",
        "",
        *_size_table(bench),
        "",
        "## The ask path per stage (hybrid, extractive answer, guardrails on, no re-ranking)",
        "",
        *_ask_table(bench),
        "",
        *_tracing_lines(bench),
        *_filter_lines(bench),
        f"## Against the LangChain baseline (speedup at p95: {bench['speedup_vs_baseline']:.1f}x, "
        f"at p50: {bench['speedup_vs_baseline_p50']:.1f}x)",
        "",
        *_comparison(bench),
        "",
        f"Baseline: {bench['baseline']['name']}, k = {bench['baseline']['k']} per retriever, the "
        "same chunks and MiniLM vectors; its queries are embedded by LangChain's "
        "HuggingFaceEmbeddings (PyTorch).",
        "",
        "## Targets",
        "",
        "| check | chunks | measured | target | met |",
        "|---|---|---|---|---|",
        *[
            f"| {c['check']} | {c['chunks']} | {c['value']} | {c['target']} | "
            f"{'yes' if c['met'] else 'no'}{' (' + c['note'] + ')' if c.get('note') else ''} |"
            for c in bench["checks"]
        ],
        "",
        "## Quality by variant (nDCG@10, document level, answerable questions)",
        "",
    ]
    variants = sorted({v for s in bench["sizes"].values() for v in s["ndcg@10"]})
    out += [
        "| chunks | " + " | ".join(variants) + " |",
        "|---" * (len(variants) + 1) + "|",
    ]
    for size in sorted(bench["sizes"], key=int):
        row = bench["sizes"][size]["ndcg@10"]
        out.append(
            f"| {size} | "
            + " | ".join(f"{row[v]:.3f}" if v in row else "-" for v in variants)
            + " |"
        )
    out += ["", "## Latency per stage (ms, distinct queries)", ""]
    out += ["| chunks | stage | p50 | p95 |", "|---|---|---|---|"]
    for size in sorted(bench["sizes"], key=int):
        latency = bench["sizes"][size]["latency_ms"]
        for stage in STAGES:
            if stage in latency:
                out.append(
                    f"| {size} | {stage} | {latency[stage]['p50']:.2f} | {latency[stage]['p95']:.2f} |"
                )
    out += ["", "Cache hits (the same query again):", ""]
    for size in sorted(bench["sizes"], key=int):
        hit = bench["sizes"][size]["cache_hit_latency_ms"]
        if hit.get("n"):
            out.append(
                f"- {size} chunks: embed_query p50 {hit['embed_query']['p50']:.3f} ms, hybrid "
                f"search p50 {hit['search_hybrid']['p50']:.2f} ms ({hit['n']} queries)"
            )
    out += ["", "## Exact vs HNSW dense search (same vectors)", ""]
    out += [
        "| chunks | served | flat p95 ms | HNSW p95 ms | HNSW recall@10 vs flat | build s |",
        "|---|---|---|---|---|---|",
    ]
    for size in sorted(bench["sizes"], key=int):
        d = bench["sizes"][size]["dense_search"]
        out.append(
            f"| {size} | {d['served']} | {d['flat_ms']['p95']:.2f} | {d['hnsw_ms']['p95']:.2f} | "
            f"{d['hnsw_recall@10_vs_flat']:.3f} | {d['hnsw_build_s']:.1f} |"
        )
    # [vector_store=milvus]
    milvus = {size: s["milvus"] for size, s in bench["sizes"].items() if "milvus" in s}
    if milvus:
        out += ["", "## Milvus store beside faiss (vector_store: milvus)", ""]
        out += [
            "| chunks | index | ingest chunks/s | hybrid p50 / p95 ms | nDCG@10 bm25 / dense / hybrid |",
            "|---|---|---|---|---|",
        ]
        for size in sorted(milvus, key=int):
            m = milvus[size]
            lat, q = m["latency_ms"]["search_hybrid"], m["ndcg@10"]
            out.append(
                f"| {size} | {m['vector_index']} | {m['ingest_chunks_per_s']:.0f} | "
                f"{lat['p50']:.1f} / {lat['p95']:.1f} | "
                f"{q['bm25']:.3f} / {q['dense']:.3f} / {q['hybrid']:.3f} |"
            )
    # [/vector_store=milvus]
    out += _extras(first)
    rr = bench["sizes"][at]["reranker"]
    if rr["kind"] == "stand-in":
        out += ["", f"Re-ranker: {rr['note']}."]
    out += ["", f"![benchmark]({image})", ""]
    return "\n".join(out)


def _extras(first: dict[str, Any]) -> list[str]:
    out: list[str] = []
    backends = first.get("embedder_backends")
    if backends:
        out += [
            "",
            "## Embedder backends (same texts)",
            "",
            "| backend | passages/s | query p50 ms |",
            "|---|---|---|",
        ]
        for name in ("torch", "onnx"):
            b = backends[name]
            out.append(f"| {name} | {b['passages_per_s']:.0f} | {b['query_ms']['p50']:.2f} |")
        out.append(
            f"\nLowest cosine between the two backends' vectors: {backends['min_cosine_torch_vs_onnx']}."
        )
    curve = first.get("rerank_curve")
    if curve:
        lengths = [k for k in curve if k.startswith("max_length=")]
        counts = list(curve[lengths[0]])
        out += [
            "",
            f"## Re-rank latency p95 (ms) by candidates, {curve['backend']} backend",
            "",
            "| passage tokens | " + " | ".join(counts) + " |",
            "|---" * (len(counts) + 1) + "|",
        ]
        for length in lengths:
            out.append(
                f"| {length.split('=')[1]} | "
                + " | ".join(f"{curve[length][c]['p95']:.0f}" for c in counts)
                + " |"
            )
        recall = curve.get("first_stage_recall", {})
        if recall:
            out.append(
                "| first-stage recall | "
                + " | ".join(f"{recall[c]:.3f}" if c in recall else "-" for c in counts)
                + " |"
            )
            out.append(
                "\nFirst-stage recall: the share of relevant documents among the first N fused "
                "chunks, the most a re-ranker of N candidates can put in front of the answerer."
            )
        pick = curve.get("within_budget")
        if pick:
            out.append(
                f"\nWithin the re-rank stage's {pick['budget_ms']:.0f} ms (the "
                f"{RERANK_BUDGET_MS:.0f} ms search budget less hybrid retrieval's p95) on this "
                "machine, the point with the "
                f"highest first-stage recall is {pick['candidates']} candidates x "
                f"{pick['max_length']} tokens (p95 {pick['p95']:.0f} ms, first-stage recall "
                f"{pick['first_stage_recall']:.3f})."
            )
        elif recall:
            out.append("\nNo point of the curve fits the re-rank budget on this machine.")
        b = curve["backends"]
        out.append(
            f"\nAt {b['candidates']} candidates x {b['max_length']} tokens: torch p95 "
            f"{b['torch']['p95']:.0f} ms, onnx p95 {b['onnx']['p95']:.0f} ms."
        )
    ceiling = first.get("compute_ceiling")
    if ceiling:
        out += [
            "",
            "## Compute ceiling for ingest",
            "",
            f"This machine multiplies float32 matrices at {ceiling['matmul_gflops']:.0f} GFLOP/s "
            f"(torch, {MATMUL_NOTE}). Embedding one chunk of {ceiling['mean_chunk_tokens']:.0f} "
            f"tokens costs about {ceiling['gflop_per_chunk']:.2f} GFLOP (2 x non-embedding weights "
            f"x tokens, plus attention: {ceiling.get('attention_share', 0.0):.0%} of it), so no "
            f"backend can embed more than about {ceiling['chunks_per_s_at_peak']:.0f} chunks/s "
            "here in float32.",
        ]
    out += _int8_lines(first.get("int8"))
    return out


def _int8_lines(int8: dict[str, Any] | None) -> list[str]:
    if not int8 or "skipped" in int8:
        return [] if not int8 else ["", f"int8: skipped ({int8['skipped']})."]
    recipe = int8["recipe"]
    cos = int8["cosine_to_fp32"]
    verdict = (
        "accepted: `embedder_precision: int8` in configs/settings.yaml, then `make ingest`, uses it"
        if int8["accepted"]
        else f"rejected ({int8['why_not']}): the project stays in float32"
    )
    return [
        "",
        "## int8 for this CPU",
        "",
        f"VNNI: {'yes' if int8['vnni'] else 'no'}. Recipe: dynamic quantisation of the MatMuls "
        f"only, {recipe['weights']} weights per channel, reduce_range {recipe['reduce_range']}. "
        f"On {int8['passages']} passages: {int8['passages_per_s']['int8']:.0f} passages/s "
        f"against {int8['passages_per_s']['fp32']:.0f} in float32 ({int8['speedup']:.2f}x); "
        f"cosine to float32 mean {cos['mean']:.4f}, p5 {cos['p5']:.4f}, min {cos['min']:.4f}; "
        f"dense nDCG@10 {int8['dense_ndcg@10']['int8']:.3f} against "
        f"{int8['dense_ndcg@10']['fp32']:.3f}. Bar: mean >= {INT8_MIN_MEAN_COSINE}, p5 >= "
        f"{INT8_MIN_P5_COSINE}, nDCG@10 drop <= {INT8_MAX_NDCG_DROP}. Verdict: {verdict}.",
    ]


def plot(bench: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(bench["sizes"], key=int)
    chunks = [bench["sizes"][s]["chunks"] for s in sizes]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for stage in ("retrieve", "search_hybrid", "search_hybrid+rerank", "embed_query", "bm25"):
        left.plot(
            chunks,
            [bench["sizes"][s]["latency_ms"][stage]["p95"] for s in sizes],
            marker="o",
            label=stage,
        )
    base = bench["baseline"]
    left.scatter(
        [bench["sizes"][str(bench["compare_at"])]["chunks"]],
        [base["latency_ms"]["p95"]],
        marker="x",
        s=80,
        color="black",
        label="LangChain baseline",
        zorder=3,
    )
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("chunks")
    left.set_ylabel("p95 ms (distinct queries)")
    left.set_title("Latency")
    left.legend(fontsize=8)
    variants = sorted({v for s in sizes for v in bench["sizes"][s]["ndcg@10"]})
    at = str(bench["compare_at"])
    values = [bench["sizes"][at]["ndcg@10"].get(v, 0.0) for v in variants]
    names = [*variants, "LangChain"]
    right.barh(names, [*values, base["ndcg@10"]], color=["C0"] * len(values) + ["black"])
    right.set_xlim(0, 1)
    right.set_xlabel(f"nDCG@10 at {bench['sizes'][at]['chunks']} chunks")
    right.set_title("Quality by variant")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_run(out_dir: Path, bench: dict[str, Any]) -> Path:
    """Write ``<out_dir>/<timestamp>/`` and refresh ``<out_dir>/latest/``; return the run folder."""
    run = new_run_dir(out_dir)
    (run / "bench.json").write_text(json.dumps(bench, indent=2), encoding="utf-8")
    (run / "bench.md").write_text(markdown(bench), encoding="utf-8")
    plot(bench, run / "bench.png")
    publish_latest(out_dir, run)
    return run


def readme_block(bench: dict[str, Any]) -> str:
    met = sum(c["met"] for c in bench["checks"])
    return "\n".join(
        [
            f"Measured by `make bench` on {bench['machine']['cpus']} CPUs "
            "([docs/bench.md](docs/bench.md) has every stage, variant, the re-rank curve and the "
            "plot; `reports/bench/latest/bench.json` the raw figures):",
            "",
            *_size_table(bench),
            "",
            *_comparison(bench),
            "",
            f"Hybrid retrieval is {bench['speedup_vs_baseline']:.1f}x faster than the LangChain "
            f"baseline at p95 ({bench['speedup_vs_baseline_p50']:.1f}x at p50); "
            f"{met} of {len(bench['checks'])} targets met.",
        ]
    )


def update_readme(readme: Path, bench: dict[str, Any]) -> bool:
    """Replace the bench block in ``readme`` and write ``docs/bench.md`` (+ its plot) beside it;
    False when the README has no block (then nothing is written)."""
    if not replace_block(readme, README_START, README_END, readme_block(bench)):
        return False
    docs = readme.parent / "docs"
    (docs / "img").mkdir(parents=True, exist_ok=True)
    (docs / "bench.md").write_text(markdown(bench, "img/bench.png"), encoding="utf-8")
    plot(bench, docs / "img" / "bench.png")
    return True
