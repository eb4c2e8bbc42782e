"""20 concurrent clients against the real server on loopback: no errors (bounded in time)."""

from {{ cookiecutter.package_name }}.ops.load import run_load


def test_twenty_clients_get_no_errors(live_server: str):
    result = run_load(live_server, clients=20, seconds=10)
    summary = result.summary()
    print(summary)
    assert summary["requests"] >= 20
    assert summary["errors"] == 0, summary["error_samples"]
    assert summary["p95_ms"] > 0
