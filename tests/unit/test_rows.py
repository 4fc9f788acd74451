"""A domain row names its table by the table object and its columns by name: a misspelt column fails where
the `Row` is built, without a database, instead of at the writer's INSERT."""

from __future__ import annotations

import uuid

import pytest

from mitapo.accounts import auth
from mitapo.engine.commands import ENTRY_ID, Row
from mitapo.payments import tables


def test_a_row_of_known_columns_is_built() -> None:
    row = Row(tables.refunds, {"id": "rf_1", "payment_id": "pay_1", "entry_id": ENTRY_ID})
    assert row.table.name == "refunds"
    assert row.values["entry_id"] is ENTRY_ID


def test_a_misspelt_column_fails_where_the_row_is_built() -> None:
    with pytest.raises(ValueError, match="payments has no column 'amout'"):
        Row(tables.payments, {"id": "pay_1", "amout": 100})


def test_every_unknown_column_is_named() -> None:
    with pytest.raises(ValueError, match="webhook_outbox has no column 'kind', 'payload_json'"):
        Row(tables.webhook_outbox, {"id": uuid.uuid4(), "payload_json": "{}", "kind": "payment.succeeded"})


def test_a_service_builds_its_rows_on_its_tables() -> None:
    row = auth.principal_row("m_1", "merchant", "Shop", "secret")
    assert row.table.name == "principals"
    assert set(row.values) == {"id", "role", "name", "secret_hash"}
