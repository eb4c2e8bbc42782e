"""How far to trust the LLM judge: agreement with human labels, and two bias probes.

Each labelled row (question, answer, contexts, human verdicts for faithfulness and relevance) is
judged as given, then twice more: with its contexts in reverse order (position bias: a fair judge
does not care) and with the answer padded by polite filler that adds no claim (verbosity bias).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import RagError
from ..reports.runs import write_run
from .judge import Judge, verdict_metrics, verdicts

LABELS = ("faithful", "relevant")
PAD_BEFORE = "Thank you for the question. Based on the documents provided, here is the answer. "
PAD_AFTER = " I hope this helps, and please ask again if anything is unclear."


class LabelsError(RagError):
    """The labelled set is missing or malformed."""


@dataclass(frozen=True)
class LabelledRow:
    id: str
    question: str
    answer: str
    contexts: list[str]
    faithful: bool
    relevant: bool


def load_labels(path: Path) -> list[LabelledRow]:
    if not path.is_file():
        raise LabelsError(f"labelled set not found: {path}")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            row = LabelledRow(
                id=str(raw["id"]),
                question=str(raw["question"]),
                answer=str(raw["answer"]),
                contexts=[str(c) for c in raw["contexts"]],
                faithful=bool(raw["faithful"]),
                relevant=bool(raw["relevant"]),
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise LabelsError(
                f"{path}:{n}: not a labelled row ({type(exc).__name__}: {exc})"
            ) from exc
        rows.append(row)
    if not rows:
        raise LabelsError(f"{path} has no rows")
    return rows


def agreement(human: list[bool], judge: list[bool | None]) -> dict[str, Any]:
    """Accuracy and Cohen's kappa over the rows the judge gave a verdict for."""
    from sklearn.metrics import cohen_kappa_score

    pairs = [(h, j) for h, j in zip(human, judge, strict=True) if j is not None]
    if not pairs:
        return {"n": 0, "unparsed": len(human)}
    h, j = zip(*pairs, strict=True)
    kappa = cohen_kappa_score(h, j) if len(set(h) | set(j)) > 1 else 1.0
    return {
        "n": len(pairs),
        "unparsed": len(human) - len(pairs),
        "accuracy": sum(a == b for a, b in pairs) / len(pairs),
        "kappa": float(kappa),
        "human_positive_rate": sum(h) / len(h),
        "judge_positive_rate": sum(j) / len(j),
    }


def flip_rate(before: list[bool | None], after: list[bool | None]) -> dict[str, Any]:
    pairs = [(a, b) for a, b in zip(before, after, strict=True) if a is not None and b is not None]
    flips = sum(a != b for a, b in pairs)
    return {"n": len(pairs), "flips": flips, "rate": flips / len(pairs) if pairs else 0.0}


def run_check(judge: Judge, rows: list[LabelledRow], progress: Any = None) -> dict[str, Any]:
    metrics = verdict_metrics(judge)
    plain, reordered, padded = [], [], []
    for n, row in enumerate(rows, start=1):
        plain.append(verdicts(metrics, row.question, row.answer, row.contexts))
        reordered.append(verdicts(metrics, row.question, row.answer, row.contexts[::-1]))
        padded.append(
            verdicts(metrics, row.question, PAD_BEFORE + row.answer + PAD_AFTER, row.contexts)
        )
        if progress:
            progress("judge", n, len(rows))
    result: dict[str, Any] = {"judge": judge.describe(), "n": len(rows), "agreement": {}}
    result["bias"] = {"position": {}, "verbosity": {}}
    for i, label in enumerate(LABELS):
        human = [getattr(r, label) for r in rows]
        result["agreement"][label] = agreement(human, [v[i] for v in plain])
        result["bias"]["position"][label] = flip_rate(
            [v[i] for v in plain], [v[i] for v in reordered]
        )
        result["bias"]["verbosity"][label] = flip_rate(
            [v[i] for v in plain], [v[i] for v in padded]
        )
    result["rows"] = [
        {
            "id": row.id,
            "human": {"faithful": row.faithful, "relevant": row.relevant},
            "judge": dict(zip(LABELS, v, strict=True)),
            "reordered": dict(zip(LABELS, r, strict=True)),
            "padded": dict(zip(LABELS, p, strict=True)),
        }
        for row, v, r, p in zip(rows, plain, reordered, padded, strict=True)
    ]
    return result


def markdown(result: dict[str, Any], labels_path: Path) -> str:
    lines = [
        "# Judge agreement",
        "",
        f"Judge `{result['judge']['model']}` over {result['n']} human-labelled rows "
        f"(`{labels_path}`).",
        "",
        "| label | n | accuracy | Cohen's kappa | human positive | judge positive |",
        "|---|---|---|---|---|---|",
    ]
    for label, a in result["agreement"].items():
        if a["n"]:
            lines.append(
                f"| {label} | {a['n']} | {a['accuracy']:.3f} | {a['kappa']:.3f} | "
                f"{a['human_positive_rate']:.2f} | {a['judge_positive_rate']:.2f} |"
            )
        else:
            lines.append(f"| {label} | 0 | - | - | - | - |")
    lines += [
        "",
        "Bias probes: share of verdicts that flip when nothing that matters changes.",
        "",
        "| probe | faithful flips | relevant flips |",
        "|---|---|---|",
    ]
    for probe, what in (
        ("position", "contexts in reverse order"),
        ("verbosity", "answer padded with filler"),
    ):
        b = result["bias"][probe]
        lines.append(
            f"| {probe} ({what}) | {b['faithful']['rate']:.3f} ({b['faithful']['flips']}/"
            f"{b['faithful']['n']}) | {b['relevant']['rate']:.3f} ({b['relevant']['flips']}/"
            f"{b['relevant']['n']}) |"
        )
    lines += [
        "",
        "Kappa reads: below 0.4 weak, 0.4-0.6 moderate, 0.6-0.8 substantial, above 0.8 strong "
        "agreement. Trust judged metrics in `make eval` only as far as this table allows.",
        "",
    ]
    return "\n".join(lines)


def write_result(out_dir: Path, result: dict[str, Any], labels_path: Path) -> Path:
    return write_run(
        out_dir,
        {
            "judge_check.json": json.dumps(result, indent=2) + "\n",
            "judge_check.md": markdown(result, labels_path),
        },
    )
