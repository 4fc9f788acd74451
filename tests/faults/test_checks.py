"""The bank run's checks catch what they are there for: each fabricated history below breaks one promise,
and the check names it (a checker that always passes would make the bank run worthless)."""

from __future__ import annotations

from pathlib import Path

from tests.faults import checks
from tests.faults.clients import History, Op, Read

SEEDED = {"e0"}


def history(*ops: Op) -> History:
    return History(ops=list(ops))


def op(outcome: str, key: str, entry_id: str | None = None, kind: str = "payment") -> Op:
    return Op(kind, "res_1", key, 0.0, 1.0, outcome, entry_id=entry_id, code="insufficient_funds")


def test_a_faithful_history_passes() -> None:
    ops = history(op("ok", "k1", "e1"), op("fail", "k2"), op("unknown", "k3"), op("unknown", "k4"))
    keys = {("res_1", "k1"): "e1", ("res_1", "k4"): "e4"}
    journal = {"e0": "funding", "e1": "payment", "e4": "payment"}
    assert checks.against_journal(ops, keys, journal, SEEDED) == []


def test_an_ok_answered_but_missing_from_the_journal_is_caught() -> None:
    found = checks.against_journal(history(op("ok", "k1", "e1")), {}, {"e0": "funding"}, SEEDED)
    assert found and "ok payment k1" in found[0]


def test_a_failed_operation_in_the_journal_is_caught() -> None:
    found = checks.against_journal(
        history(op("fail", "k2")), {("res_1", "k2"): "e2"}, {"e0": "funding", "e2": "payment"}, SEEDED
    )
    assert any("failed payment k2" in p for p in found)


def test_an_entry_no_operation_asked_for_is_caught() -> None:
    journal = {"e0": "funding", "e1": "payment", "e9": "payment"}
    found = checks.against_journal(history(op("ok", "k1", "e1")), {("res_1", "k1"): "e1"}, journal, SEEDED)
    assert found == ["entry e9 (payment) was written for no operation"]


def test_an_entry_of_another_kind_under_a_key_is_caught() -> None:
    journal = {"e0": "funding", "e1": "gift"}
    found = checks.against_journal(history(op("ok", "k1", "e1")), {("res_1", "k1"): "e1"}, journal, SEEDED)
    assert any("not a payment" in p for p in found)


def test_an_unbalanced_read_is_caught() -> None:
    assert checks.reads_balanced([Read(1.0, True), Read(2.0, False, "PT: debits 5 credits 4")])


def test_an_export_that_does_not_replay_to_the_trial_balance_is_caught(tmp_path: Path) -> None:
    exported = tmp_path / "export.ndjson"
    exported.write_text(
        '{"type": "entry", "postings": [{"account": "a", "asset": "PT", "amount": 5},'
        ' {"account": "b", "asset": "PT", "amount": -5}]}\n'
    )
    same = {
        "accounts": [
            {"account": "a", "asset": "PT", "balance": 5},
            {"account": "b", "asset": "PT", "balance": -5},
        ]
    }
    assert checks.replay(exported, same) == (1, [])
    other = {
        "accounts": [
            {"account": "a", "asset": "PT", "balance": 6},
            {"account": "b", "asset": "PT", "balance": -6},
        ]
    }
    assert checks.replay(exported, other)[1]
