"""Prune files for options not chosen, strip option blocks, record the answers, print the next
commands.

Sources are copied, not rendered (so regexes and f-strings survive), which leaves two ways for
an option to shape them: files that only one choice needs are removed, and lines that only one
choice needs sit between ``# [option=value]`` and ``# [/option=value]`` marker lines, kept
(without the markers) when the answer matches and removed otherwise. A bake therefore carries no
code of an option the user did not choose.

The functions are plain Python so the template's tests import and test them; cookiecutter
renders the answers into the call at the bottom.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

SAMPLE_ONLY = [
    "data/sample",
    "data/golden/golden.jsonl",
    "data/golden/conversations.jsonl",
    "data/heldout",
    "eval/thresholds.yaml",
    "tests/integration/test_sample_corpus.py",
    "data/golden/judge_labels.jsonl",
    "docs/judge_labels.md",
    "tests/unit/test_judge_labels.py",
    "docs/bench.md",
    "docs/img/bench.png",
]
# The Milvus store, its ingest sink, migration, bench and command, and its test: only a
# vector_store=milvus bake has them (and the pymilvus and milvus-lite they need).
MILVUS_ONLY = [
    "tests/integration/test_milvus_store.py",
    "src/{package}/retrieval/stores/milvus.py",
    "src/{package}/retrieval/stores/milvus_client.py",
    "src/{package}/retrieval/stores/milvus_index.py",
    "src/{package}/ingest/milvus_indexer.py",
    "src/{package}/ingest/migrate.py",
    "src/{package}/bench/milvus.py",
    "src/{package}/cli/milvus.py",
]
BLOCK = re.compile(
    r"^[ \t]*# \[(?P<key>\w+)=(?P<value>[\w-]+)\]\n(?P<body>.*?)^[ \t]*# \[/(?P=key)=(?P=value)\]\n",
    re.DOTALL | re.MULTILINE,
)
# The dependency lock of a milvus bake; it replaces requirements.lock there (see choose_lock).
MILVUS_LOCK = "requirements-milvus.lock"


def files_to_remove(answers: dict[str, str]) -> list[str]:
    """Paths (relative to the project) that the chosen options make unused."""
    remove: list[str] = []
    if answers.get("include_sample_data") == "no":
        remove += SAMPLE_ONLY
    if answers.get("vector_store", "faiss") != "milvus":
        package = answers.get("package_name", "")
        remove += [p.format(package=package) for p in MILVUS_ONLY if package or "{" not in p]
    return remove + [MILVUS_LOCK]


def strip_blocks(text: str, answers: dict[str, str]) -> str:
    """Keep the bodies of option blocks whose answer matches, drop the others and every marker."""
    return BLOCK.sub(
        lambda m: m.group("body") if answers.get(m.group("key")) == m.group("value") else "", text
    )


def strip_option_blocks(root: Path, answers: dict[str, str]) -> None:
    for folder in ("src", "tests"):
        for path in (root / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            stripped = strip_blocks(text, answers)
            if stripped != text:
                path.write_text(stripped, encoding="utf-8")


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
    strip_option_blocks(root, answers)
    (root / ".cookiecutter.json").write_text(
        json.dumps(recorded_answers(answers), indent=2) + "\n", encoding="utf-8"
    )
    print(next_steps(answers))
    return 0


if __name__ == "__main__":
    sys.exit(main(r"""{{ cookiecutter | jsonify }}""", Path.cwd()))
