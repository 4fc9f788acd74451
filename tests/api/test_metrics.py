"""/metrics: what the city's monitoring sees. Each number is checked by its change across requests made here
(the counters live for the whole test process)."""

from __future__ import annotations

from pathlib import Path

from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from mitapo.app import create_app
from mitapo.engine import ledger
from mitapo.settings import Settings
from tests.api.conftest import METRICS_SECRET, Api

REVERSAL = "/v1/entries/{entry_id}/reversal"


def scrape(api: Api) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = api.client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_SECRET}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_requests_batches_replays_refusals_and_entries(api: Api, admin: str) -> None:
    written = api.run(ledger.fund_program, api.runtime.db, "p", 500)
    path = f"/v1/entries/{written.entry_id}/reversal"
    before = scrape(api)

    assert api.post(path, admin, {"reason": "typo"}, key="k1").status_code == 201
    assert api.post(path, admin, {"reason": "typo"}, key="k1").headers["Idempotent-Replayed"] == "true"
    assert api.post(path, admin, {"reason": "typo"}, key="k2").status_code == 409
    assert api.post(path, admin, {"reason": ""}).status_code == 400
    api.seal()
    after = scrape(api)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    latency = "mitapo_http_request_duration_seconds_count"
    assert delta(latency, method="POST", route=REVERSAL, status="201") == 2
    assert delta(latency, method="POST", route=REVERSAL, status="409") == 1
    assert delta(latency, method="POST", route=REVERSAL, status="400") == 1
    assert delta("mitapo_idempotent_replays_total") == 1
    assert delta("mitapo_refusals_total", code="already_reversed", status="409") == 1
    assert delta("mitapo_refusals_total", code="validation_error", status="400") == 1
    assert delta("mitapo_writer_batch_commands_count") >= 2  # the reversal and the refused second claim
    assert delta("mitapo_writer_batch_seconds_count") == delta("mitapo_writer_batch_commands_count")
    assert value(after, "mitapo_journal_entries_total", kind="funding") == 1
    assert value(after, "mitapo_journal_entries_total", kind="reversal") == 1
    assert value(after, "mitapo_seal_backlog_entries") == 0
    assert value(after, "mitapo_seal_lag_seconds") == 0


def test_seal_lag_shows_committed_entries_waiting(api: Api) -> None:
    api.run(ledger.fund_program, api.runtime.db, "p", 5)
    api.run(ledger.fund_program, api.runtime.db, "p", 6)
    samples = scrape(api)
    assert value(samples, "mitapo_seal_backlog_entries") == 2
    assert value(samples, "mitapo_seal_lag_seconds") > 0
    assert value(samples, "mitapo_journal_entries_total", kind="funding") == 0  # counted once sealed
    api.seal()
    assert value(scrape(api), "mitapo_journal_entries_total", kind="funding") == 2


def test_unknown_paths_count_as_refusals_and_make_no_series(api: Api) -> None:
    before = scrape(api)
    for n in range(3):
        assert api.client.get(f"/v1/nowhere/{n}").status_code == 404
    after = scrape(api)
    routes = {dict(labels).get("route") for name, labels in after if name.startswith("mitapo_http_request")}
    assert not any(route and "nowhere" in route for route in routes)
    refused = "mitapo_refusals_total"
    assert (
        value(after, refused, code="not_found", status="404")
        - value(before, refused, code="not_found", status="404")
        == 3
    )


def test_metrics_are_refused_without_their_secret(api: Api, admin: str) -> None:
    """Issue 18, finding 5: the numbers are the city's monitoring's, not anyone's on the service's port."""
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {admin}"}):
        refused = api.client.get("/metrics", headers=headers)
        assert refused.status_code == 401, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "mitapo_" not in refused.text


def test_without_a_metrics_secret_there_are_no_metrics(database_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, seal_interval=3600, checkpoint_interval=3600)
    with TestClient(create_app(settings, url=database_url, migrate=False)) as client:
        for headers in ({}, {"Authorization": f"Bearer {METRICS_SECRET}"}, {"Authorization": "Bearer "}):
            hidden = client.get("/metrics", headers=headers)
            assert hidden.status_code == 404 and "mitapo_" not in hidden.text
