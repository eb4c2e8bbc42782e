"""Golden conversations and the follow-up ablation.

Each conversation is asked turn by turn three ways: the question alone (``none``), every earlier
question joined to it (``concat``) and the follow-up resolved against the conversation
(``rewrite``, what is served). Each arm carries its own answers forward as the history, as a user
would see them. Follow-up turns are scored against their relevant documents, and the arms are
compared pairwise with eval-compare's paired permutation test. The format is in
docs/evaluation.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.types import Turn
from ..reports.runs import write_run
from ..reports.stats import bootstrap_ci
from .compare import paired_test
from .golden import GoldenError, content_hash
from .metrics import dedupe, hit_at, ndcg_at, recall_at

if TYPE_CHECKING:
    from ..pipeline import Pipeline

ARMS = ("none", "concat", "rewrite")  # the strategies of pipeline.conversation
METRICS = ("right_document", "hit@1", "ndcg@10", "recall@5")
PAIRS = (("none", "rewrite"), ("none", "concat"), ("concat", "rewrite"))


@dataclass(frozen=True)
class GoldenTurn:
    question: str
    relevant_ids: tuple[str, ...]
    reference_answer: str | None
    needs_history: bool


@dataclass(frozen=True)
class Conversation:
    id: str
    turns: tuple[GoldenTurn, ...]
    tags: tuple[str, ...] = ()


def load_conversations(path: Path) -> list[Conversation]:
    """One conversation per line: ``{"id", "turns": [{"question", "relevant_ids",
    "reference_answer", "needs_history"}, ...], "tags"}``; 2 to 4 turns, the first self-contained."""
    if not path.is_file():
        raise GoldenError(f"golden conversations {path} not found")
    found: list[Conversation] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldenError(f"{where}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("turns"), list):
            raise GoldenError(f'{where}: each line is an object with "id" and a list of "turns"')
        conv_id = str(row.get("id", ""))
        if not conv_id or conv_id in seen:
            raise GoldenError(f"{where}: missing or duplicate id {conv_id!r}")
        seen.add(conv_id)
        turns = []
        for i, turn in enumerate(row["turns"], start=1):
            if not isinstance(turn, dict) or not {"question", "relevant_ids"} <= turn.keys():
                raise GoldenError(f'{where}: turn {i} needs "question" and "relevant_ids"')
            turns.append(
                GoldenTurn(
                    str(turn["question"]),
                    tuple(str(x) for x in turn["relevant_ids"]),
                    turn.get("reference_answer"),
                    bool(turn.get("needs_history", i > 1)),
                )
            )
        if len(turns) < 2 or turns[0].needs_history:
            raise GoldenError(
                f"{where}: a conversation has 2 or more turns, the first self-contained"
            )
        found.append(
            Conversation(conv_id, tuple(turns), tuple(str(t) for t in row.get("tags", [])))
        )
    if not found:
        raise GoldenError(f"golden conversations {path} are empty")
    return found


def score_turn(turn: GoldenTurn, data: Any) -> dict[str, float]:
    """``data`` is the turn's AskResponse. The right document: the answer's first citation is one
    of the turn's relevant documents (a refusal is not)."""
    relevant = set(turn.relevant_ids)
    ranked = dedupe(r.doc_id for r in data.retrieved)
    cited = data.citations[0].doc_id if data.citations and not data.refused else None
    return {
        "right_document": float(cited in relevant),
        "hit@1": hit_at(ranked, relevant, 1),
        "ndcg@10": ndcg_at(ranked, relevant, 10),
        "recall@5": recall_at(ranked, relevant, 5),
    }


def run_ablation(
    pipeline: Pipeline,
    conversations: list[Conversation],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return (report section, one row per follow-up turn and arm)."""
    rows: list[dict[str, Any]] = []
    total, done = len(ARMS) * len(conversations), 0
    for arm in ARMS:
        for conv in conversations:
            history: list[Turn] = []
            for n, turn in enumerate(conv.turns, start=1):
                data = pipeline.ask(turn.question, history=history, followup=arm).to_response()
                if n > 1:
                    rows.append(
                        {
                            "conversation": conv.id,
                            "turn": n,
                            "arm": arm,
                            "needs_history": turn.needs_history,
                            "question": turn.question,
                            "query": data.query,
                            "changed": data.query is not None and data.query != turn.question,
                            "relevant_ids": list(turn.relevant_ids),
                            "retrieved": dedupe(r.doc_id for r in data.retrieved),
                            "cited": [c.doc_id for c in data.citations],
                            "refused": data.refused,
                            **score_turn(turn, data),
                        }
                    )
                history.append(Turn(turn.question, data.answer))
            done += 1
            if progress:
                progress(done, total)
    return summarise(rows, len(conversations)), rows


def _mean(values: list[float]) -> dict[str, Any]:
    low, high = bootstrap_ci(values)
    return {"mean": sum(values) / len(values) if values else 0.0, "ci95": [low, high]}


def summarise(rows: list[dict[str, Any]], conversations: int) -> dict[str, Any]:
    subsets = {
        "needs_history": lambda r: r["needs_history"],
        "self_contained": lambda r: not r["needs_history"],
    }
    arms: dict[str, Any] = {}
    for arm in ARMS:
        arms[arm] = {}
        for name, keep in subsets.items():
            picked = [r for r in rows if r["arm"] == arm and keep(r)]
            arms[arm][name] = {"n": len(picked)} | {
                m: _mean([r[m] for r in picked]) for m in METRICS
            }

    def per_turn(arm: str, metric: str) -> list[float]:
        picked = [r for r in rows if r["arm"] == arm and r["needs_history"]]
        return [r[metric] for r in sorted(picked, key=lambda r: (r["conversation"], r["turn"]))]

    tests = {
        f"{b}_vs_{a}": {m: paired_test(per_turn(a, m), per_turn(b, m)) for m in METRICS[:3]}
        for a, b in PAIRS
    }
    rewrite = [r for r in rows if r["arm"] == "rewrite"]
    contained = [r for r in rewrite if not r["needs_history"]]
    leaning = [r for r in rewrite if r["needs_history"]]
    return {
        "conversations": conversations,
        "follow_ups": {"needs_history": len(leaning), "self_contained": len(contained)},
        "arms": arms,
        "paired": tests,
        "rewriter": {
            "self_contained_changed": sum(r["changed"] for r in contained),
            "needs_history_rewritten": sum(r["changed"] for r in leaning),
        },
    }


def section(path: Path, summary: dict[str, Any]) -> dict[str, Any]:
    return {"path": str(path), "sha256": content_hash(path), **summary}


def markdown_lines(conv: dict[str, Any]) -> list[str]:
    """The report.md section: follow-up turns by arm, paired tests, what the rewriter changed."""
    need = conv["follow_ups"]["needs_history"]
    lines = [
        "## Conversations (follow-up ablation)",
        "",
        f"`{conv['path']}`: {conv['conversations']} conversations; {need} follow-ups that need "
        f"the conversation, {conv['follow_ups']['self_contained']} self-contained ones. Follow-ups "
        "that need the conversation (mean, 95% bootstrap interval):",
        "",
        "| arm | " + " | ".join(METRICS) + " |",
        "|---|" + "---|" * len(METRICS),
    ]
    for arm, subsets in conv["arms"].items():
        cells = [
            f"{v['mean']:.3f} [{v['ci95'][0]:.3f}, {v['ci95'][1]:.3f}]"
            for v in (subsets["needs_history"][m] for m in METRICS)
        ]
        lines.append(f"| {arm} | " + " | ".join(cells) + " |")
    lines += ["", "Paired permutation tests on the same turns (b minus a):", ""]
    lines += [
        "| comparison | metric | a | b | diff | 95% CI | p |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, tests in conv["paired"].items():
        for metric, t in tests.items():
            lines.append(
                f"| {name.replace('_vs_', ' vs ')} | {metric} | {t['a']:.3f} | {t['b']:.3f} | "
                f"{t['diff']:+.3f} | [{t['ci95'][0]:+.3f}, {t['ci95'][1]:+.3f}] | "
                f"{t['p_value']:.4f} |"
            )
    r = conv["rewriter"]
    lines += [
        "",
        f"The rewriter changed {r['self_contained_changed']} of "
        f"{conv['follow_ups']['self_contained']} self-contained follow-ups and resolved "
        f"{r['needs_history_rewritten']} of {need} that need the conversation.",
        "",
    ]
    return lines


def write_ablation(out_dir: Path, report: dict[str, Any], rows: list[dict[str, Any]]) -> Path:
    """A run folder of its own (``eval-conversations``): report.json, report.md, the rows."""
    index = report["index"]
    text = [
        "# Follow-up ablation",
        "",
        f"Index: {index['documents']} documents, {index['chunks']} chunks, built "
        f"{index['created_at']}.",
        "",
        *markdown_lines(report),
    ]
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    run = write_run(
        out_dir,
        {
            "report.json": json.dumps(report, indent=2, allow_nan=False),
            "report.md": "\n".join(text),
            "conversations.jsonl": lines,
        },
    )
    return run
