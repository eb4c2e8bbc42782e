"""What a query costs: tokens measured over the golden set, priced from ``configs/prices.yaml``.

Tokens come from the provider's ``usage`` when it reports one. Otherwise they are counted: the
prompt is the exact one the openai-compatible answerer would send for the retrieved passages, the
completion is the answer text. Counting uses the answering model's own tokenizer when
``llm_tokenizer_path`` names one on disk, else the embedder's WordPiece tokenizer, and the report
says which (a different tokenizer shifts counts by some tens of percent; nothing is downloaded).
"""

from __future__ import annotations

import json
import platform
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..core.errors import RagError
from ..generation.openai_compat import fit_prompt
from ..generation.prompts import messages
from .runs import new_run_dir, publish_latest, replace_block

if TYPE_CHECKING:
    from ..core.settings import Settings
    from ..models.encoders import Embedder
    from ..pipeline import AskResult, Pipeline

MESSAGE_OVERHEAD = 4  # tokens a chat format adds per message (role and separators)
COST_START = "<!-- cost:start -->"
COST_END = "<!-- cost:end -->"


class PricesError(RagError):
    """configs/prices.yaml is missing or malformed."""


@dataclass(frozen=True)
class Price:
    provider: str
    model: str
    input_per_m: float
    output_per_m: float
    date: str
    source: str


@dataclass(frozen=True)
class EmbeddingPrice:
    provider: str
    model: str
    per_m: float
    date: str
    source: str


def load_prices(path: Path) -> tuple[str, list[Price], list[EmbeddingPrice]]:
    if not path.is_file():
        raise PricesError(f"price file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        chat = [Price(**{k: e[k] for k in Price.__dataclass_fields__}) for e in data["models"]]
        embed = [
            EmbeddingPrice(**{k: e[k] for k in EmbeddingPrice.__dataclass_fields__})
            for e in data["embeddings"]
        ]
        currency = str(data["currency"])
    except (yaml.YAMLError, KeyError, TypeError) as exc:
        raise PricesError(f"{path}: not a price file ({type(exc).__name__}: {exc})") from exc
    for p in chat:
        if min(p.input_per_m, p.output_per_m) < 0:
            raise PricesError(f"{path}: negative price for {p.model}")
    return currency, chat, embed


class TokenCounter:
    """Counts tokens offline with the answering model's tokenizer if given, else the embedder's."""

    def __init__(self, settings: Settings, embedder: Embedder):
        self._embedder = embedder
        self._tokenizer: Any = None
        path = settings.llm_tokenizer_path
        if path is not None:
            from tokenizers import Tokenizer

            file = path / "tokenizer.json" if path.is_dir() else path
            if not file.is_file():
                raise RagError(f"llm_tokenizer_path: no tokenizer.json at {path}")
            self._tokenizer = Tokenizer.from_file(str(file))
            self.source = f"tokenizer at {path}"
        else:
            self.source = f"embedder tokenizer ({embedder.location.model_id}): an estimate"

    def count(self, text: str) -> int:
        if self._tokenizer is not None:
            return len(self._tokenizer.encode(text, add_special_tokens=False).ids)
        return self._embedder.count_tokens(text)

    def prompt(self, chat: list[dict[str, str]]) -> int:
        return sum(self.count(m["content"]) + MESSAGE_OVERHEAD for m in chat)


def answer_tokens(result: AskResult, counter: TokenCounter, settings: Settings) -> dict[str, Any]:
    """Prompt, completion and query-embedding tokens of one answer, and where they came from."""
    usage = result.answer.usage or {}
    query = counter.count(result.question)
    if result.blocked:
        return {"prompt": 0, "completion": 0, "query_embedding": 0, "source": "blocked"}
    if usage.get("prompt_tokens") is not None:
        return {
            "prompt": int(usage["prompt_tokens"]),
            "completion": int(usage.get("completion_tokens") or 0),
            "query_embedding": query,
            "source": "provider usage",
        }
    hits = fit_prompt(result.question, result.retrieval.hits, settings.llm_max_prompt_tokens)
    return {
        "prompt": counter.prompt(messages(result.question, hits)),
        "completion": counter.count(result.answer.text),
        "query_embedding": query,
        "source": "counted",
    }


def price_table(
    tokens: dict[str, float],
    ingest_tokens: int,
    currency: str,
    chat: list[Price],
    embed: list[EmbeddingPrice],
) -> dict[str, Any]:
    """Cost per query and per 1,000 queries for every priced model, from mean tokens per query."""
    rows = []
    for p in chat:
        per_query = (tokens["prompt"] * p.input_per_m + tokens["completion"] * p.output_per_m) / 1e6
        rows.append(
            {
                "provider": p.provider,
                "model": p.model,
                "input_per_m": p.input_per_m,
                "output_per_m": p.output_per_m,
                "per_query": per_query,
                "per_1000_queries": per_query * 1000,
                "price_date": p.date,
                "price_source": p.source,
            }
        )
    embeddings = [
        {
            "provider": e.provider,
            "model": e.model,
            "per_m": e.per_m,
            "ingest": ingest_tokens * e.per_m / 1e6,
            "per_1000_queries": tokens["query_embedding"] * e.per_m / 1e6 * 1000,
            "price_date": e.date,
            "price_source": e.source,
        }
        for e in embed
    ]
    return {
        "currency": currency,
        "tokens_per_query": tokens,
        "ingest_embedding_tokens": ingest_tokens,
        "answer_models": rows,
        "embedding_models": embeddings,
    }


def mean_tokens(rows: list[dict[str, Any]]) -> dict[str, float]:
    answered = [r for r in rows if r["source"] != "blocked"]
    return {
        key: statistics.fmean(r[key] for r in answered) if answered else 0.0
        for key in ("prompt", "completion", "query_embedding")
    }


def ingest_tokens(manifest: dict[str, Any]) -> int:
    return int(sum(d.get("tokens", 0) for d in manifest.get("documents", {}).values()))


def measure(pipeline: Pipeline, questions: list[str], progress: Any = None) -> dict[str, Any]:
    """Ask every golden question cold, then replay the set twice: once with the answer cache,
    once with only the query-embedding cache, to see what each saves on a repeated question."""
    settings = pipeline.settings
    counter = TokenCounter(settings, pipeline.embedder)
    pipeline.warm_up()
    pipeline.embedder.clear_cache()
    rows: list[dict[str, Any]] = []
    wall: list[float] = []
    cpu: list[float] = []
    stage_cpu: dict[str, list[float]] = {}
    for n, question in enumerate(questions, start=1):
        result = pipeline.ask(question)
        rows.append(answer_tokens(result, counter, settings))
        wall.append(result.timings.ms["total"])
        cpu.append(result.timings.cpu_ms["total"])
        for stage, value in result.timings.cpu_ms.items():
            stage_cpu.setdefault(stage, []).append(value)
        if progress:
            progress("cold", n, len(questions))

    hits_before = pipeline.answers.hits
    replay = []
    for n, question in enumerate(questions, start=1):
        replay.append(pipeline.ask(question))
        if progress:
            progress("replay", n, len(questions))
    answer_hits = pipeline.answers.hits - hits_before

    pipeline.answers.clear()
    embed_hits_before = pipeline.embedder.cache_hits
    embed_misses_before = pipeline.embedder.cache_misses
    embed_ms = []
    for n, question in enumerate(questions, start=1):
        result = pipeline.ask(question)
        embed_ms.append(result.timings.ms.get("embed_query", 0.0))
        if progress:
            progress("embed cache", n, len(questions))
    embed_hits = pipeline.embedder.cache_hits - embed_hits_before
    embed_lookups = embed_hits + pipeline.embedder.cache_misses - embed_misses_before
    cold_embed = stage_cpu.get("embed_query", [])
    n = len(questions)
    return {
        "questions": n,
        "token_counting": counter.source,
        "token_sources": {
            s: sum(r["source"] == s for r in rows) for s in {r["source"] for r in rows}
        },
        "tokens": mean_tokens(rows),
        "cpu_ms_per_query": {
            stage: statistics.fmean(v) for stage, v in sorted(stage_cpu.items()) if v
        },
        "wall_ms_per_query": statistics.fmean(wall) if wall else 0.0,
        "cpu_ms_total_per_query": statistics.fmean(cpu) if cpu else 0.0,
        "caching": {
            "replay": "the golden set asked again after a cold pass: every repeat can hit",
            "answer_cache_hit_rate": answer_hits / n if n else 0.0,
            "answer_hit_ms": statistics.fmean(r.timings.ms["total"] for r in replay if r.cached)
            if answer_hits
            else None,
            "answer_miss_ms": statistics.fmean(wall) if wall else 0.0,
            "query_embedding_cache_hit_rate": embed_hits / embed_lookups if embed_lookups else 0.0,
            "embed_query_cpu_ms_cold": statistics.fmean(cold_embed) if cold_embed else 0.0,
            "embed_query_ms_cached": statistics.fmean(embed_ms) if embed_ms else 0.0,
        },
        "machine": {"cpus": _cpus(), "platform": platform.platform(terse=True)},
    }


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def markdown(result: dict[str, Any]) -> str:
    m, t = result["measured"], result["table"]
    cur = t["currency"]
    tok = t["tokens_per_query"]
    c = m["caching"]
    lines = [
        f"Measured by `make cost` over {m['questions']} golden questions on this machine "
        f"({m['machine']['cpus']} CPUs). Tokens per query: prompt {tok['prompt']:.0f}, completion "
        f"{tok['completion']:.0f}, query embedding {tok['query_embedding']:.1f} "
        f"(counted with the {m['token_counting']}; sources: "
        + ", ".join(f"{k} {v}" for k, v in sorted(m["token_sources"].items()))
        + "). Prices from `configs/prices.yaml`.",
        "",
        f"| answer model | input / 1M | output / 1M | per query ({cur}) | per 1,000 queries ({cur}) "
        "| price taken | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in t["answer_models"]:
        lines.append(
            f"| {r['provider']} `{r['model']}` | {r['input_per_m']:.2f} | {r['output_per_m']:.2f} | "
            f"{r['per_query']:.6f} | {r['per_1000_queries']:.4f} | {r['price_date']} | "
            f"{r['price_source']} |"
        )
    lines += [
        "",
        f"| embedding model | per 1M | ingest of this corpus ({t['ingest_embedding_tokens']} tokens) "
        f"| query embeddings per 1,000 queries | price taken | source |",
        "|---|---|---|---|---|---|",
    ]
    for e in t["embedding_models"]:
        lines.append(
            f"| {e['provider']} `{e['model']}` | {e['per_m']:.3f} | {e['ingest']:.6f} | "
            f"{e['per_1000_queries']:.6f} | {e['price_date']} | {e['price_source']} |"
        )
    lines += [
        "",
        "CPU time per query by stage (process CPU ms, one request at a time, extractive answers):",
        "",
        "| stage | CPU ms |",
        "|---|---|",
        *[f"| {s} | {v:.1f} |" for s, v in m["cpu_ms_per_query"].items()],
        "",
        f"Caching ({c['replay']}): answer cache hit rate {c['answer_cache_hit_rate']:.2f}, "
        + (
            f"a hit takes {c['answer_hit_ms']:.2f} ms against {c['answer_miss_ms']:.1f} ms for a "
            "miss and costs no tokens; "
            if c["answer_hit_ms"] is not None
            else "no answer was cached (answer_cache_size is 0); "
        )
        + f"query-embedding cache hit rate {c['query_embedding_cache_hit_rate']:.2f} "
        f"(embedding a query: {c['embed_query_cpu_ms_cold']:.1f} CPU ms cold, "
        f"{c['embed_query_ms_cached']:.2f} ms from the cache).",
        "",
        "![Cost per 1,000 queries](img/cost.png)",
    ]
    return "\n".join(lines)


def plot(table: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = table["answer_models"]
    labels = [f"{r['provider']}\n{r['model']}" for r in rows]
    values = [r["per_1000_queries"] for r in rows]
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.bar(labels, values, color="tab:blue")
    ax.set_ylabel(f"{table['currency']} per 1,000 queries")
    ax.set_title("Answer cost per 1,000 queries (tokens measured on the golden set)")
    ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(result: dict[str, Any], out_dir: Path, doc: Path) -> Path:
    run = new_run_dir(out_dir)
    (run / "cost.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    body = markdown(result)
    (run / "cost.md").write_text(body + "\n", encoding="utf-8")
    plot(result["table"], run / "cost.png")
    publish_latest(out_dir, run)
    if not replace_block(doc, COST_START, COST_END, body):
        doc.parent.mkdir(parents=True, exist_ok=True)
        doc.write_text(
            "# Cost\n\nWhat answering a question costs, per model, from measured tokens. "
            "Rewritten by `make cost`; change a price in `configs/prices.yaml` and run it again.\n\n"
            f"{COST_START}\n{body}\n{COST_END}\n",
            encoding="utf-8",
        )
    plot(result["table"], doc.parent / "img" / "cost.png")
    return run
