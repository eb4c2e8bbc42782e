"""Is run B better than run A? Paired tests over the same golden questions.

For every metric both runs measured per question, the difference B - A is tested with a paired
permutation test (random sign flips of the per-question differences, two-sided) and given a
bootstrap 95% interval of the mean difference. Runs on different golden sets are refused: their
questions are not paired.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import RagError
from ..reports.runs import write_run
from ..reports.stats import SEED, bootstrap_ci
from .metrics import RETRIEVAL_METRICS

PERMUTATIONS = 9999
ALPHA = 0.05


class CompareError(RagError):
    """The two runs cannot be compared."""


@dataclass
class Run:
    path: Path
    report: dict[str, Any]
    rows: dict[str, dict[str, Any]]


def load_run(path: Path) -> Run:
    """A run folder (or its report.json) with the per-question results.jsonl next to it."""
    folder = path.parent if path.is_file() else path
    report_path, rows_path = folder / "report.json", folder / "results.jsonl"
    if not report_path.is_file() or not rows_path.is_file():
        raise CompareError(
            f"{path} is not an eval run folder (needs report.json and results.jsonl)"
        )
    report = json.loads(report_path.read_text(encoding="utf-8"))
    rows = {}
    for line in rows_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows[row["id"]] = row
    return Run(folder, report, rows)


def correct(row: dict[str, Any], mode: str) -> bool:
    """Right behaviour for one question: an unanswerable one refused; an answerable one answered
    with a relevant document in the served top 5."""
    if not row["answerable"]:
        return bool(row["refused"])
    hit = row.get("retrieval", {}).get(mode, {}).get("recall@5", 0.0) > 0
    return bool(hit and not row["refused"])


def per_question(run: Run) -> dict[str, dict[str, float]]:
    """metric name -> question id -> value, for everything measured per question."""
    mode = run.report["pipeline"]["effective_mode"]
    values: dict[str, dict[str, float]] = {}
    for qid, row in run.rows.items():
        for m, scores in row.get("retrieval", {}).items():
            for name in RETRIEVAL_METRICS:
                values.setdefault(f"{m}/{name}", {})[qid] = float(scores[name])
        for group in ("answer_scores", "judge_scores"):
            for name, value in row.get(group, {}).items():
                if value is not None:  # undefined for this question (no context retrieved)
                    values.setdefault(f"answers/{name}", {})[qid] = float(value)
        if row["answerable"]:
            values.setdefault("refusal/answered_when_answerable", {})[qid] = float(
                not row["refused"]
            )
        else:
            values.setdefault("refusal/refused_when_unanswerable", {})[qid] = float(row["refused"])
        values.setdefault("overall/correct", {})[qid] = float(correct(row, mode))
    return values


def paired_test(a: list[float], b: list[float]) -> dict[str, Any]:
    from scipy.stats import permutation_test

    diffs = np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64)
    mean = float(diffs.mean()) if diffs.size else 0.0
    if not diffs.size or not np.any(diffs):
        p = 1.0
    else:
        result = permutation_test(
            (diffs,),
            np.mean,
            permutation_type="samples",
            n_resamples=PERMUTATIONS,
            alternative="two-sided",
            rng=np.random.default_rng(SEED),
        )
        p = float(min(1.0, result.pvalue))
    low, high = bootstrap_ci(list(diffs))
    return {
        "n": int(diffs.size),
        "a": float(np.mean(a)) if a else 0.0,
        "b": float(np.mean(b)) if b else 0.0,
        "diff": mean,
        "ci95": [low, high],
        "p_value": p,
        "significant": p < ALPHA,
    }


def compare(a: Run, b: Run) -> dict[str, Any]:
    ga, gb = a.report["golden"], b.report["golden"]
    if ga.get("sha256") != gb.get("sha256"):
        raise CompareError(
            f"the runs used different golden sets ({ga['path']} sha256 {str(ga.get('sha256'))[:12]} vs "
            f"{gb['path']} sha256 {str(gb.get('sha256'))[:12]}): compare runs on the same golden set"
        )
    va, vb = per_question(a), per_question(b)
    metrics: dict[str, Any] = {}
    for name in sorted(set(va) & set(vb)):
        ids = sorted(set(va[name]) & set(vb[name]))
        metrics[name] = paired_test([va[name][i] for i in ids], [vb[name][i] for i in ids])

    mode_a = a.report["pipeline"]["effective_mode"]
    mode_b = b.report["pipeline"]["effective_mode"]
    headline = "ndcg@10"
    by_tag: dict[str, Any] = {}
    tags = sorted({t for row in a.rows.values() for t in row["tags"]})
    for tag in tags:
        ids = [i for i, row in a.rows.items() if tag in row["tags"] and i in b.rows]
        entry: dict[str, Any] = {
            "n": len(ids),
            "correct": paired_test(
                [float(correct(a.rows[i], mode_a)) for i in ids],
                [float(correct(b.rows[i], mode_b)) for i in ids],
            ),
        }
        scored = [i for i in ids if mode_a in a.rows[i].get("retrieval", {})]
        scored = [i for i in scored if mode_b in b.rows[i].get("retrieval", {})]
        if scored:
            entry[headline] = paired_test(
                [a.rows[i]["retrieval"][mode_a][headline] for i in scored],
                [b.rows[i]["retrieval"][mode_b][headline] for i in scored],
            )
        by_tag[tag] = entry

    flipped = []
    for qid in sorted(set(a.rows) & set(b.rows)):
        ra, rb = correct(a.rows[qid], mode_a), correct(b.rows[qid], mode_b)
        if ra != rb:
            flipped.append(
                {
                    "id": qid,
                    "question": a.rows[qid]["question"],
                    "tags": a.rows[qid]["tags"],
                    "now": "right" if rb else "wrong",
                    "a": _brief(a.rows[qid]),
                    "b": _brief(b.rows[qid]),
                }
            )
    return {
        "a": {"run": str(a.path), "mode": mode_a},
        "b": {"run": str(b.path), "mode": mode_b},
        "golden": {"path": ga["path"], "sha256": ga.get("sha256"), "n": ga["n"]},
        "test": f"paired permutation test ({PERMUTATIONS} sign flips, two-sided); "
        "95% interval: bootstrap of the mean difference",
        "metrics": metrics,
        "by_tag": by_tag,
        "flipped": flipped,
        "config_diff": config_diff(a.path, b.path),
    }


def _brief(row: dict[str, Any]) -> dict[str, Any]:
    return {"refused": row["refused"], "answer": row["answer"][:200]}


def config_diff(a: Path, b: Path) -> dict[str, list[Any]]:
    """Settings that differ between the runs (from their config.json)."""
    try:
        sa = json.loads((a / "config.json").read_text(encoding="utf-8"))["settings"]
        sb = json.loads((b / "config.json").read_text(encoding="utf-8"))["settings"]
    except (OSError, KeyError, json.JSONDecodeError):
        return {}
    return {k: [sa.get(k), sb.get(k)] for k in sorted(set(sa) | set(sb)) if sa.get(k) != sb.get(k)}


def _fmt(entry: dict[str, Any]) -> str:
    low, high = entry["ci95"]
    star = " *" if entry["significant"] else ""
    return (
        f"{entry['a']:.3f} | {entry['b']:.3f} | {entry['diff']:+.3f}{star} | "
        f"[{low:+.3f}, {high:+.3f}] | {entry['p_value']:.4f}"
    )


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Eval comparison",
        "",
        f"A: `{result['a']['run']}` ({result['a']['mode']}); "
        f"B: `{result['b']['run']}` ({result['b']['mode']}); "
        f"golden set `{result['golden']['path']}` ({result['golden']['n']} questions).",
        f"Test: {result['test']}. `*` marks p < {ALPHA}.",
        "",
    ]
    if result["config_diff"]:
        lines += ["Settings that differ:", ""]
        lines += [f"- `{k}`: {va!r} -> {vb!r}" for k, (va, vb) in result["config_diff"].items()]
        lines.append("")
    lines += ["| metric | A | B | B - A | 95% CI | p |", "|---|---|---|---|---|---|"]
    lines += [f"| {name} | {_fmt(e)} |" for name, e in result["metrics"].items()]
    lines += [
        "",
        "## By tag",
        "",
        "| tag | n | correct: A | B | B - A | 95% CI | p |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [f"| {t} | {e['n']} | {_fmt(e['correct'])} |" for t, e in result["by_tag"].items()]
    lines += ["", f"## Questions that flipped ({len(result['flipped'])})", ""]
    if result["flipped"]:
        lines += ["| id | now | tags | question |", "|---|---|---|---|"]
        lines += [
            f"| {f['id']} | {f['now']} | {', '.join(f['tags'])} | {f['question']} |"
            for f in result["flipped"]
        ]
    else:
        lines.append("None: every question is right (or wrong) in both runs.")
    return "\n".join(lines) + "\n"


def plot(result: dict[str, Any]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result["metrics"])
    entries = [result["metrics"][n] for n in names]
    diffs = [e["diff"] for e in entries]
    err = [[e["diff"] - e["ci95"][0] for e in entries], [e["ci95"][1] - e["diff"] for e in entries]]
    colours = [
        "tab:green"
        if e["significant"] and e["diff"] > 0
        else "tab:red"
        if e["significant"]
        else "tab:gray"
        for e in entries
    ]
    fig, ax = plt.subplots(figsize=(8, max(3.0, 0.28 * len(names) + 1)))
    y = np.arange(len(names))
    ax.barh(y, diffs, xerr=err, color=colours, capsize=2)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("B - A (95% CI); coloured: p < 0.05")
    ax.set_title("Per-metric difference between runs")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def write_comparison(out_dir: Path, result: dict[str, Any]) -> Path:
    return write_run(
        out_dir,
        {
            "compare.json": json.dumps(result, indent=2) + "\n",
            "compare.md": markdown(result),
            "compare.png": plot(result),
        },
    )
