"""Issue 20's API additions are where a client's author looks for them: every one in the OpenAPI schema
(with the roles it takes) and in docs/api.md."""

from __future__ import annotations

from pathlib import Path

from tests.api.conftest import Api

ISSUE_20 = [  # what the resident app added: paying without doubt, history, finding, receiving, reminders
    ("get", "/v1/me/payment-attempt"),
    ("get", "/v1/me/history"),
    ("get", "/v1/me/history/latest"),
    ("get", "/v1/me/history.csv"),
    ("get", "/v1/events/upcoming"),
    ("get", "/v1/events/{event_id}/calendar.ics"),
    ("get", "/v1/shops"),
    ("get", "/v1/me/receive-code"),
    ("post", "/v1/gift-previews"),
    ("post", "/v1/gifts"),
    ("get", "/v1/push/public-key"),
    ("get", "/v1/me/push-subscriptions"),
    ("post", "/v1/me/push-subscriptions"),
    ("delete", "/v1/me/push-subscriptions"),
]
DOCS = Path(__file__).parents[2] / "docs" / "api.md"


def test_issue_20s_paths_are_in_the_schema_and_the_docs(api: Api) -> None:
    schema = api.client.get("/schema/openapi.json").json()
    missing = [f"{m} {p}" for m, p in ISSUE_20 if m not in schema["paths"].get(p, {})]
    assert missing == []
    docs = DOCS.read_text(encoding="utf-8")
    rows = {line.split("|")[1].split("(")[0].strip() for line in docs.splitlines() if line.startswith("| ")}
    undocumented = [
        f"{m} {p}" for m, p in ISSUE_20 if f"{m.upper()} {p.replace('{event_id}', '{id}')}" not in rows
    ]
    assert undocumented == []
