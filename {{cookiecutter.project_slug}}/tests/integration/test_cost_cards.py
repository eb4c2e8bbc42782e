"""make cost and make cards on the test corpus: numbers come from measurements and reports."""

import json
import re
from pathlib import Path

import pytest
import yaml
from tests.helpers.golden import GOLDEN
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.eval.command import evaluate
from {{ cookiecutter.package_name }}.pipeline import Pipeline
from {{ cookiecutter.package_name }}.reports.cards import render
from {{ cookiecutter.package_name }}.reports.cost import PricesError, load_prices
from {{ cookiecutter.package_name }}.retrieval.stores.local import LocalStore

pytestmark = pytest.mark.slow

PRICES = {
    "currency": "USD",
    "models": [
        {
            "provider": "local",
            "model": "extractive",
            "input_per_m": 0.0,
            "output_per_m": 0.0,
            "date": "2026-01-01",
            "source": "local",
        },
        {
            "provider": "acme",
            "model": "big",
            "input_per_m": 1.0,
            "output_per_m": 4.0,
            "date": "2026-01-01",
            "source": "https://example.com/prices",
        },
    ],
    "embeddings": [
        {
            "provider": "acme",
            "model": "embed",
            "per_m": 0.02,
            "date": "2026-01-01",
            "source": "https://example.com/prices",
        },
    ],
}


def _write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_changing_a_price_changes_only_the_cost_table(built_index, tmp_path: Path):
    golden = tmp_path / "golden.jsonl"
    golden.write_text("\n".join(json.dumps(r) for r in GOLDEN) + "\n", encoding="utf-8")
    prices = _write(tmp_path / "prices.yaml", PRICES)
    args = [
        "cost",
        "--golden",
        str(golden),
        "--prices",
        str(prices),
        "--out",
        str(tmp_path / "cost"),
        "--doc",
        str(tmp_path / "docs" / "cost.md"),
        "--index",
        str(built_index.index_dir),
    ]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    one = json.loads((tmp_path / "cost" / "latest" / "cost.json").read_text())
    tokens = one["measured"]["tokens"]
    assert tokens["prompt"] > 50 and tokens["completion"] > 0 and tokens["query_embedding"] > 0
    big = one["table"]["answer_models"][1]
    expected = (tokens["prompt"] * 1.0 + tokens["completion"] * 4.0) / 1e6
    assert big["per_query"] == pytest.approx(expected)
    assert big["per_1000_queries"] == pytest.approx(expected * 1000)
    assert one["measured"]["caching"]["answer_cache_hit_rate"] == 1.0
    assert one["measured"]["caching"]["query_embedding_cache_hit_rate"] == 1.0
    doc_one = (tmp_path / "docs" / "cost.md").read_text()
    assert f"{big['per_1000_queries']:.4f}" in doc_one
    assert (tmp_path / "docs" / "img" / "cost.png").is_file()

    PRICES["models"][1]["output_per_m"] = 8.0
    _write(prices, PRICES)
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "reusing the measurement" in second.output
    two = json.loads((tmp_path / "cost" / "latest" / "cost.json").read_text())
    assert two["measured"] == one["measured"]
    assert two["table"]["answer_models"][1]["per_query"] > big["per_query"]
    assert two["table"]["answer_models"][0] == one["table"]["answer_models"][0]
    doc_two = (tmp_path / "docs" / "cost.md").read_text()
    changed = [a for a, b in zip(doc_one.splitlines(), doc_two.splitlines(), strict=True) if a != b]
    assert len(changed) == 1 and "acme `big`" in changed[0]


def test_a_bad_price_file_is_one_clear_error(tmp_path: Path):
    with pytest.raises(PricesError, match="not a price file"):
        load_prices(_write(tmp_path / "p.yaml", {"currency": "USD", "models": [{"model": "x"}]}))


def test_cards_carry_the_report_numbers(built_index, embedder, tmp_path: Path):
    golden = tmp_path / "golden.jsonl"
    golden.write_text("\n".join(json.dumps(r) for r in GOLDEN) + "\n", encoding="utf-8")
    pipeline = Pipeline(built_index, LocalStore(built_index.index_dir), embedder)
    outcome = evaluate(pipeline, golden, tmp_path / "reports", None)
    report = outcome.report
    model, data = render(built_index, tmp_path / "reports" / "latest" / "report.json", tmp_path)
    card = model.read_text()
    assert not re.search(r"\$\w", card)
    assert [card[m.start() - 60 : m.end()] for m in re.finditer(r"\bNone\b", card)] == []
    for mode in ("bm25", "dense", "hybrid"):
        assert f"{report['retrieval'][mode]['ndcg@10']:.3f}" in card
    assert f"{report['refusal']['unanswerable_refusal_rate']:.3f}" in card
    assert report["golden"]["sha256"] in card and report["models"]["embedder"]["sha256"] in card
    for section in (
        "Model details",
        "Intended use",
        "Factors",
        "Metrics",
        "Evaluation data",
        "Training data",
        "Quantitative analyses",
        "Ethical considerations",
        "Caveats and recommendations",
    ):
        assert f"## {section}" in card
    sheet = data.read_text()
    for section in (
        "Motivation",
        "Composition",
        "Collection process",
        "Preprocessing",
        "Uses",
        "Distribution",
        "Maintenance",
    ):
        assert f"## {section}" in sheet
    assert f"{report['index']['documents']} documents, {report['index']['chunks']} chunks" in sheet
    assert not re.search(r"\$\w", sheet)
