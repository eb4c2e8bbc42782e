"""Loading and checking a golden set (JSONL, one question per line; format in docs/evaluation.md)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import RagError


class GoldenError(RagError):
    """The golden set is missing or malformed."""


@dataclass(frozen=True)
class GoldenItem:
    id: str
    question: str
    relevant_ids: tuple[str, ...]
    reference_answer: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def answerable(self) -> bool:
        return bool(self.relevant_ids)


def content_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_golden(path: Path) -> list[GoldenItem]:
    if not path.is_file():
        raise GoldenError(
            f"golden set {path} not found: write one question per line as "
            '{"id", "question", "reference_answer", "relevant_ids", "tags"}'
        )
    items: list[GoldenItem] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldenError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise GoldenError(f"{path}:{number}: each line must be a JSON object")
        missing = [k for k in ("id", "question", "relevant_ids") if k not in row]
        if missing:
            raise GoldenError(f"{path}:{number}: missing {', '.join(missing)}")
        if not isinstance(row["relevant_ids"], list):
            raise GoldenError(f"{path}:{number}: relevant_ids must be a list of document ids")
        item_id = str(row["id"])
        if item_id in seen:
            raise GoldenError(f"{path}:{number}: duplicate id {item_id}")
        seen.add(item_id)
        items.append(
            GoldenItem(
                id=item_id,
                question=str(row["question"]),
                relevant_ids=tuple(str(x) for x in row["relevant_ids"]),
                reference_answer=row.get("reference_answer"),
                tags=tuple(str(t) for t in row.get("tags", [])),
            )
        )
    if not items:
        raise GoldenError(f"golden set {path} is empty")
    return items
