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
]


def files_to_remove(answers: dict[str, str]) -> list[str]:
    """Paths (relative to the project) that the chosen options make unused."""
    remove: list[str] = []
    if answers.get("include_sample_data") == "no":
        remove += SAMPLE_ONLY
    return remove


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
    prune(root, answers)
    (root / ".cookiecutter.json").write_text(
        json.dumps(recorded_answers(answers), indent=2) + "\n", encoding="utf-8"
    )
    print(next_steps(answers))
    return 0


if __name__ == "__main__":
    sys.exit(main(r"""{{ cookiecutter | jsonify }}""", Path.cwd()))
