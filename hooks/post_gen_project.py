"""Prune files for options not chosen, record the answers, print the next commands.

The functions are plain Python so the template's tests import and test them; cookiecutter
renders the answers into the call at the bottom.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

SAMPLE_ONLY = [
    "data/sample",
    "data/golden/golden.jsonl",
    "eval/thresholds.yaml",
    "tests/integration/test_sample_corpus.py",
    "data/golden/judge_labels.jsonl",
    "docs/judge_labels.md",
    "tests/unit/test_judge_labels.py",
    "docs/bench.md",
    "docs/img/bench.png",
]
# Tests that need pymilvus and milvus-lite, which only a vector_store=milvus bake installs.
MILVUS_ONLY = ["tests/integration/test_milvus_store.py"]
# The dependency lock of a milvus bake; it replaces requirements.lock there (see choose_lock).
MILVUS_LOCK = "requirements-milvus.lock"


def files_to_remove(answers: dict[str, str]) -> list[str]:
    """Paths (relative to the project) that the chosen options make unused."""
    remove: list[str] = []
    if answers.get("include_sample_data") == "no":
        remove += SAMPLE_ONLY
    if answers.get("vector_store", "faiss") != "milvus":
        remove += MILVUS_ONLY
    return remove + [MILVUS_LOCK]


def choose_lock(root: Path, answers: dict[str, str]) -> None:
    """A milvus bake installs from the lock that pins pymilvus and milvus-lite as well."""
    milvus_lock = root / MILVUS_LOCK
    if answers.get("vector_store", "faiss") == "milvus" and milvus_lock.is_file():
        milvus_lock.replace(root / "requirements.lock")


def recorded_answers(answers: dict[str, object]) -> dict[str, object]:
    """The answers worth keeping in .cookiecutter.json: the options, and the template source."""
    keep = {k: v for k, v in answers.items() if not k.startswith("_")}
    if "_template" in answers:
        keep["_template"] = answers["_template"]
    return keep


def prune(root: Path, answers: dict[str, str]) -> None:
    for rel in files_to_remove(answers):
        path = root / rel
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def next_steps(answers: dict[str, str]) -> str:
    slug = answers["project_slug"]
    first = "make demo" if answers.get("include_sample_data") == "yes" else "make ingest DOCS=path/to/your/docs"
    return f"\nCreated {slug}. Next:\n  cd {slug}\n  {first}\n  make test\n"


def main(raw: str, root: Path) -> int:
    answers = json.loads(raw)
    choose_lock(root, answers)
    prune(root, answers)
    (root / ".cookiecutter.json").write_text(
        json.dumps(recorded_answers(answers), indent=2) + "\n", encoding="utf-8"
    )
    print(next_steps(answers))
    return 0


if __name__ == "__main__":
    sys.exit(main(r"""{{ cookiecutter | jsonify }}""", Path.cwd()))
