"""The human-labelled judge set: well-formed rows over real golden questions and real passages of
the sample corpus, a balanced mix of verdicts, and a doc whose counts match the file."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter

from tests.helpers.corpus import PROJECT

from {{ cookiecutter.package_name }}.eval.judge_check import load_labels
from {{ cookiecutter.package_name }}.ingest.loaders import discover, load_document

LABELS = PROJECT / "data" / "golden" / "judge_labels.jsonl"
GOLDEN = PROJECT / "data" / "golden" / "golden.jsonl"
SAMPLE = PROJECT / "data" / "sample"
DOC = PROJECT / "docs" / "judge_labels.md"
KEYS = {"id", "question", "answer", "contexts", "faithful", "relevant", "notes"}


def rows() -> list[dict]:
    return [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_rows_are_well_formed_and_load_for_judge_check():
    data = rows()
    assert len(data) >= 72
    assert len({r["id"] for r in data}) == len(data)
    for r in data:
        assert set(r) == KEYS, r["id"]
        assert isinstance(r["faithful"], bool) and isinstance(r["relevant"], bool), r["id"]
        assert r["question"].strip() and r["answer"].strip() and r["notes"].strip(), r["id"]
        assert r["contexts"] and all(isinstance(c, str) and c.strip() for c in r["contexts"])
        cited = {int(n) for n in re.findall(r"\[(\d+)\]", r["answer"])}
        assert cited <= set(range(1, len(r["contexts"]) + 1)), f"{r['id']} cites {cited}"
    assert len(load_labels(LABELS)) == len(data)


def test_questions_come_from_the_golden_set_and_contexts_from_the_corpus():
    golden = {
        json.loads(line)["question"] for line in GOLDEN.read_text(encoding="utf-8").splitlines()
    }
    corpus = [squash(load_document(p, SAMPLE).text) for p in discover(SAMPLE)]
    for r in rows():
        assert r["question"] in golden, r["id"]
        for context in r["contexts"]:
            assert any(squash(context) in text for text in corpus), f"{r['id']}: {context[:60]}"


def test_verdicts_are_balanced():
    data = rows()
    counts = Counter((r["faithful"], r["relevant"]) for r in data)
    assert set(counts) == {(True, True), (True, False), (False, True), (False, False)}
    for combination, n in counts.items():
        assert 0.2 <= n / len(data) <= 0.3, (combination, n)
    # Most questions come with answers of different verdicts over the same passages.
    by_question = Counter(r["question"] for r in data)
    assert sum(n >= 2 for n in by_question.values()) >= len(by_question) * 0.8


def test_doc_counts_match_the_file():
    text = DOC.read_text(encoding="utf-8")
    script = re.search(r"<<'EOF'\n(.*?)\nEOF", text, flags=re.S)
    printed = re.search(r"```text\n(.*?)```", text, flags=re.S)
    assert script and printed
    done = subprocess.run(
        [sys.executable, "-c", script.group(1)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == printed.group(1)
