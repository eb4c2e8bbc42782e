"""Stored feedback -> golden-set candidates for a person to review (``triage``).

A down-rated "should have refused" becomes an unanswerable candidate (no relevant documents); an
up-rated answer becomes a candidate whose relevant documents are the ones it cited and whose
reference answer is what it said. Other down-ratings need a person to find the right documents,
so they are counted, not guessed. Candidates are golden JSONL plus ``"source": "feedback"``;
the golden set itself is never written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..core.errors import RagError


def candidates(rows: list[dict[str, Any]], known_questions: set[str]) -> dict[str, Any]:
    found: list[dict[str, Any]] = []
    left: dict[str, int] = {}
    seen = set(known_questions)
    for row in rows:
        question = (row.get("question") or "").strip()
        kind = None
        if row["rating"] == "down" and row.get("reason") == "should_have_refused":
            kind = "unanswerable"
        elif row["rating"] == "up" and row["citations"] and not row["refused"]:
            kind = "answerable"
        if kind is None:
            key = f"{row['rating']}:{row.get('reason') or 'no reason'}"
            left[key] = left.get(key, 0) + 1
            continue
        if not question or question in seen:
            continue
        seen.add(question)
        docs = sorted({c.split("#")[0] for c in row["citations"]}) if kind == "answerable" else []
        found.append(
            {
                "id": f"fb-{row['id'][:10]}",
                "question": question,
                "reference_answer": row["answer"] if kind == "answerable" else None,
                "relevant_ids": docs,
                "tags": ["feedback", kind],
                "source": "feedback",
                "feedback_id": row["id"],
                "request_id": row["request_id"],
                "index_version": row.get("index_version"),
                "comment": row.get("comment"),
            }
        )
    return {"candidates": found, "left_for_review": left}


def triage(rows: list[dict[str, Any]], out: Path, golden: Path | None) -> dict[str, Any]:
    """Write the candidates to ``out`` (never the golden set); questions already in the golden
    set are skipped."""
    if golden is not None and out.resolve() == golden.resolve():
        raise RagError(f"{out} is the golden set: write candidates elsewhere and review them first")
    known: set[str] = set()
    if golden is not None and golden.is_file():
        for line in golden.read_text(encoding="utf-8").splitlines():
            if line.strip():
                known.add(str(json.loads(line).get("question", "")).strip())
    result = candidates(rows, known)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in result["candidates"]),
        encoding="utf-8",
    )
    return {"out": str(out), "feedback": len(rows), **result}
