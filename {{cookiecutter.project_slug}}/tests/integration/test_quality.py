"""Live quality gauges and query drift in /metrics, fed by real answers."""

import re

from fastapi.testclient import TestClient

ON_TOPIC = [
    "How long is the Zephyr kettle warranty?",
    "How often should the kettle be descaled?",
    "What does fault code ZK-17 mean?",
    "How many brightness levels does the Orbit lamp have?",
    "Which part replaces the lamp's LED module?",
    "How long does standard delivery take?",
    "Can unused items be returned?",
    "How many metres of hose does the HR-9 reel hold?",
    "When should the hose be stored indoors?",
    "How do I switch the Orbit lamp off?",
]
OFF_TOPIC = [
    "What is a good recipe for lemon drizzle cake?",
    "Who painted the ceiling of the Sistine Chapel?",
    "How do penguins keep their eggs warm?",
    "What is the population of Reykjavik?",
    "Which planet has the most moons?",
    "How do I tune a violin string?",
    "What year did the Berlin Wall fall?",
    "How long do tortoises live?",
    "What is the offside rule in football?",
    "Why is the sky blue?",
]


def gauge(text: str, name: str) -> float:
    match = re.search(rf"^{name} (\S+)$", text, re.M)
    assert match, name
    return float(match.group(1))


def test_off_topic_traffic_raises_the_drift_gauge_and_the_logged_drift(
    built_index, embedder, tmp_path
):
    from {{ cookiecutter.package_name }}.pipeline import Pipeline
    from {{ cookiecutter.package_name }}.reports.drift import drift_series, plot, read_log
    from {{ cookiecutter.package_name }}.retrieval.stores.local import LocalStore
    from {{ cookiecutter.package_name }}.service.app import create_app

    log = tmp_path / "queries.jsonl"
    settings = built_index.model_copy(
        update={"answer_cache_size": 0, "quality_window": 10, "query_log": log}
    )
    pipeline = Pipeline(settings, LocalStore(settings.index_dir), embedder, None, "tests")
    client = TestClient(create_app(pipeline, with_ui=False))
    for question in ON_TOPIC * 2:  # the first window is the baseline, the second like it
        assert client.post("/ask", json={"question": question, "mode": "hybrid"}).status_code == 200
    steady = client.get("/metrics").text
    assert gauge(steady, "rag_query_drift") < 0.1
    assert gauge(steady, "rag_quality_citations_per_answer") >= 1.0
    assert gauge(steady, "rag_quality_best_evidence") > 0.4
    for question in OFF_TOPIC:
        client.post("/ask", json={"question": question, "mode": "hybrid"})
    shifted = client.get("/metrics").text
    assert gauge(shifted, "rag_query_drift") > 0.25  # a large shift
    assert gauge(shifted, "rag_quality_best_evidence") < gauge(steady, "rag_quality_best_evidence")
    assert gauge(shifted, "rag_quality_refusal_rate") > gauge(steady, "rag_quality_refusal_rate")

    # `make drift` reads the same story from the query log, which holds no question text
    logged = read_log(log)
    assert len(logged) == 30 and "kettle" not in log.read_text()
    series = drift_series(logged, window=10)
    assert series["points"][0]["psi"] < 0.1 and series["latest"]["psi"] > 0.25
    assert series["verdict"] == "large shift"
    assert plot(series).startswith(b"\x89PNG")
