"""Document permissions: a restricted document never reaches a caller outside its groups."""

import hashlib
import json
import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package_name }}.core.settings import Settings
from {{ cookiecutter.package_name }}.ingest.indexer import ingest
from {{ cookiecutter.package_name }}.pipeline import AskResult, Pipeline
from {{ cookiecutter.package_name }}.retrieval.stores.local import LocalStore

GROUPS = ("hr", "finance", "legal")
WORDS = [
    "pump",
    "valve",
    "ledger",
    "audit",
    "invoice",
    "badge",
    "locker",
    "rota",
    "pension",
    "ticket",
    "shift",
    "quota",
]


def marker(n: int) -> str:
    return f"zq{n}marker"


def write_corpus(root: Path, docs: list[dict]) -> None:
    """Each document names its unique marker; its groups come from acl.yaml or front matter."""
    (root / "docs").mkdir(parents=True, exist_ok=True)
    rules = []
    for n, doc in enumerate(docs):
        body = (
            f"# Note {n}\n\nThe {doc['word']} record {marker(n)} lists {n + 3} items for the "
            f"{doc['word']} team.\n"
        )
        if doc["how"] == "front" and doc["groups"]:
            body = f"---\nallowed_groups: {json.dumps(doc['groups'])}\n---\n" + body
        elif doc["groups"]:
            rules.append({"match": f"n{n}.md", "groups": doc["groups"]})
        (root / "docs" / f"n{n}.md").write_text(body, encoding="utf-8")
    (root / "docs" / "acl.yaml").write_text(json.dumps({"rules": rules}), encoding="utf-8")


def shown(result: AskResult) -> str:
    """Everything an answer shows a caller, but the caller's own question."""
    data = result.to_response()
    return json.dumps(
        [
            data.answer,
            [c.model_dump() for c in data.citations],
            [r.model_dump() for r in data.retrieved],
        ]
    )


corpora = st.lists(
    st.fixed_dictionaries(
        {
            "groups": st.lists(st.sampled_from(GROUPS), max_size=2, unique=True),
            "how": st.sampled_from(["acl", "front"]),
            "word": st.sampled_from(WORDS),
        }
    ),
    min_size=2,
    max_size=5,
)


@pytest.mark.slow
@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    docs=corpora,
    caller=st.frozensets(st.sampled_from(GROUPS), max_size=2),
    asked=st.integers(min_value=0, max_value=4),
    mode=st.sampled_from(["hybrid", "bm25", "dense"]),
)
def test_no_restricted_chunk_reaches_a_caller_outside_its_groups(
    embedder, docs, caller, asked, mode
):
    asked %= len(docs)
    hidden = [n for n, d in enumerate(docs) if d["groups"] and not set(d["groups"]) & caller]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_corpus(root, docs)
        config = Settings(index_dir=root / "index")
        ingest(root / "docs", config, embedder)
        pipeline = Pipeline(config, LocalStore(config.index_dir), embedder, None, "tests")
        question = f"How many items does the {docs[asked]['word']} record {marker(asked)} list?"

        def leaks(text: str) -> list[str]:
            return [marker(n) for n in hidden if marker(n) in text] + [
                f"n{n}.md" for n in hidden if f'"n{n}.md' in text
            ]

        everyone = frozenset(GROUPS)
        pipeline.ask(question, mode, groups=everyone)  # a privileged caller fills the cache first
        found = pipeline.search_redacted(question, mode, groups=caller)
        results = found.to_response().model_dump(exclude={"query"})  # the caller's own words
        assert not leaks(json.dumps(results)), "search"
        first = pipeline.ask(question, mode, groups=caller)
        again = pipeline.ask(question, mode, groups=caller)
        assert again.cached
        assert not leaks(shown(first)) and not leaks(shown(again)), "ask or its cached answer"
        streamed = list(pipeline.ask_stream(question, mode, groups=caller))
        text = "".join(p for p in streamed if isinstance(p, str))
        assert not leaks(text + shown(streamed[-1])), "stream"
        if asked not in hidden and mode != "dense":
            # a caller who may read the document finds it by its unique marker
            assert f"n{asked}.md" in [r.doc_id for r in found.to_response().results]


def test_a_change_of_permissions_alone_relabels_without_embedding(embedder, tmp_path: Path):
    docs = [{"groups": ["hr"], "how": "acl", "word": "pension"}]
    docs.append({"groups": [], "how": "front", "word": "rota"})
    write_corpus(tmp_path, docs)
    config = Settings(index_dir=tmp_path / "index")
    ingest(tmp_path / "docs", config, embedder)
    assert [c.groups for c in LocalStore(config.index_dir).chunks] == [["hr"], []]
    docs[0]["groups"], docs[1]["groups"] = ["legal"], ["finance"]  # acl.yaml and front matter
    write_corpus(tmp_path, docs)
    report = ingest(tmp_path / "docs", config, embedder)
    assert report.embedded_chunks == 0 and len(report.unchanged) == 2
    store = LocalStore(config.index_dir)
    assert [c.groups for c in store.chunks] == [["legal"], ["finance"]]
    assert store.manifest["documents"]["n0.md"]["groups"] == ["legal"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("rules: [{match: 'a/*'}]", "groups must be a list"),
        ("rules: [{match: 'a/*', groups: ['no spaces']}]", "group names"),
        ("rules: {}", "a list of rules"),
    ],
)
def test_a_bad_acl_file_is_one_line_and_indexes_nothing(embedder, tmp_path, body, fragment):
    from {{ cookiecutter.package_name }}.core.errors import DocsError

    write_corpus(tmp_path, [{"groups": [], "how": "acl", "word": "pump"}] * 2)
    (tmp_path / "docs" / "acl.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(DocsError, match=fragment):
        ingest(tmp_path / "docs", Settings(index_dir=tmp_path / "index"), embedder)
    assert not (tmp_path / "index").exists()


@pytest.fixture(scope="module")
def restricted_root(tmp_path_factory, embedder) -> Path:
    root = tmp_path_factory.mktemp("acl")
    write_corpus(
        root,
        [
            {"groups": ["hr"], "how": "acl", "word": "pension"},
            {"groups": [], "how": "acl", "word": "rota"},
        ],
    )
    ingest(root / "docs", Settings(index_dir=root / "index"), embedder)
    return root


def api(root: Path, embedder, **overrides) -> TestClient:
    from {{ cookiecutter.package_name }}.service.app import create_app

    config = Settings(index_dir=root / "index", answer_cache_size=0, **overrides)
    pipeline = Pipeline(config, LocalStore(config.index_dir), embedder, None, "tests")
    return TestClient(create_app(pipeline, with_ui=False))


QUESTION = {"question": "How many items does the pension record zq0marker list?", "mode": "bm25"}


def cited(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["doc_id"] for r in response.json()["retrieved"]]


def test_the_api_takes_groups_from_a_key_and_the_header_only_when_trusted(
    restricted_root, embedder
):
    key = hashlib.sha256(b"k-hr").hexdigest()
    client = api(restricted_root, embedder, api_key_groups={key: ["hr"]})
    assert "n0.md" not in cited(client.post("/ask", json=QUESTION))  # no identity: public only
    assert "n0.md" in cited(client.post("/ask", json=QUESTION, headers={"X-API-Key": "k-hr"}))
    header = {"X-User-Groups": "hr"}
    assert "n0.md" not in cited(client.post("/ask", json=QUESTION, headers=header))  # untrusted
    wrong = client.post("/ask", json=QUESTION, headers={"X-API-Key": "guess"})
    assert wrong.status_code == 401 and wrong.json() == {"error": "unknown API key"}
    search = client.post("/search", json={"query": "pension zq0marker"}, headers=header)
    assert all(r["doc_id"] != "n0.md" for r in search.json()["results"])

    trusting = api(restricted_root, embedder, trust_groups_header=True)
    assert "n0.md" in cited(trusting.post("/ask", json=QUESTION, headers=header))
    streamed = trusting.post("/ask", json={**QUESTION, "stream": True})
    assert "zq0marker" not in streamed.text.replace("record zq0marker list", "")


def test_logs_metrics_and_feedback_of_an_outside_caller_hold_nothing_restricted(
    restricted_root, embedder, caplog: pytest.LogCaptureFixture
):
    import logging

    client = api(restricted_root, embedder, feedback_db=restricted_root / "feedback.sqlite")
    question = {"question": "Which record lists items for the pension team?", "mode": "hybrid"}
    with caplog.at_level(logging.INFO):
        asked = client.post("/ask", json=question, headers={"X-Request-ID": "outside-1"})
        rated = client.post("/feedback", json={"request_id": "outside-1", "rating": "down"})
    assert asked.status_code == 200 and rated.status_code == 201
    assert "zq0marker" not in asked.text and "n0.md" not in asked.text
    assert not any("zq0marker" in r.getMessage() + str(vars(r)) for r in caplog.records)
    assert "zq0marker" not in client.get("/metrics").text
    records = client.app.state.feedback.store.rows()
    assert records and "zq0marker" not in json.dumps(records) and "n0.md" not in json.dumps(records)


@pytest.mark.parametrize("hnsw", [False, True])
def test_filtered_dense_search_keeps_only_allowed_rows_and_is_exact_on_the_flat_index(
    tmp_path: Path, hnsw: bool
):
    import numpy as np

    from {{ cookiecutter.package_name }}.core.types import Chunk
    from {{ cookiecutter.package_name }}.retrieval.stores.local import IndexData, write_index

    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    chunks = [Chunk(f"d{i}#0", f"d{i}", "t", "s", f"text {i}", 0) for i in range(300)]
    data = IndexData(chunks, vectors, {"documents": {}}, np.zeros((0, 16), np.float32))
    write_index(tmp_path / "index", data, hnsw_threshold=1 if hnsw else None)
    store = LocalStore(tmp_path / "index")
    for share in (0.01, 0.1, 0.5, 0.9):
        allowed = rng.random(300) < share
        query = vectors[rng.integers(300)]
        found = store.dense(query, 10, allowed)
        assert found and all(allowed[row] for row, _ in found)
        if not hnsw:
            rows = np.flatnonzero(allowed)
            truth = rows[np.argsort(-(vectors[rows] @ query), kind="stable")][:10]
            assert [row for row, _ in found] == truth.tolist()
