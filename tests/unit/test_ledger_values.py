"""Construction rules of the ledger's value types: an invalid value cannot be built."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest

from mitapo_ledger import (
    GENESIS_HASH,
    MAX_AMOUNT,
    Account,
    AccountKind,
    Asset,
    Entry,
    InvalidAccount,
    InvalidEntry,
    InvalidPosting,
    InvalidSeal,
    LedgerError,
    Posting,
    SealedEntry,
    Side,
    UnbalancedEntry,
    seal,
)

JST = timezone(timedelta(hours=9))
WHEN = datetime(2026, 11, 22, 12, 4, 5, 123456, tzinfo=JST)


def two_legs(amount: int = 300, asset: Asset = Asset.PT) -> tuple[Posting, Posting]:
    """A grant: the program's budget is debited, the resident's points account credited."""
    return Posting("program:p1:budget", asset, amount), Posting(
        "resident:r1:points:2027-05-31", asset, -amount
    )


def make_entry(**changes: object) -> Entry:
    fields: dict[str, object] = {
        "id": "e-1",
        "kind": "grant",
        "created_at": WHEN,
        "memo": "敬老の日",
        "postings": two_legs(),
    }
    fields.update(changes)
    return Entry(**fields)  # type: ignore[arg-type]


class TestPosting:
    @pytest.mark.parametrize("amount", [1, -1, MAX_AMOUNT, -MAX_AMOUNT])
    def test_accepts_amounts_within_64_bits(self, amount: int) -> None:
        assert Posting("a", Asset.PT, amount).amount == amount

    @pytest.mark.parametrize("amount", [0, MAX_AMOUNT + 1, -MAX_AMOUNT - 1, True, False, 1.0, "1", None])
    def test_refuses_bad_amounts(self, amount: object) -> None:
        with pytest.raises(InvalidPosting):
            Posting("a", Asset.PT, amount)  # type: ignore[arg-type]

    @pytest.mark.parametrize("account", ["", None, 7, "bad\ud800surrogate"])
    def test_refuses_bad_accounts(self, account: object) -> None:
        with pytest.raises(InvalidPosting):
            Posting(account, Asset.PT, 1)  # type: ignore[arg-type]

    @pytest.mark.parametrize("asset", ["EUR", "pt", None])
    def test_refuses_unknown_assets(self, asset: object) -> None:
        with pytest.raises(InvalidPosting):
            Posting("a", asset, 1)  # type: ignore[arg-type]

    def test_coerces_asset_codes_to_the_enum(self) -> None:
        assert Posting("a", "JPY", 1).asset is Asset.JPY  # type: ignore[arg-type]

    def test_is_immutable(self) -> None:
        posting = Posting("a", Asset.PT, 1)
        with pytest.raises(dataclasses.FrozenInstanceError):
            posting.amount = 2  # type: ignore[misc]


class TestEntry:
    def test_valid_entry_keeps_its_fields(self) -> None:
        entry = make_entry(postings=list(two_legs()))
        assert entry.postings == two_legs()
        assert isinstance(entry.postings, tuple)
        assert entry.created_at == WHEN

    def test_balances_per_asset_with_many_legs(self) -> None:
        postings = (
            *two_legs(500, Asset.PT),
            *two_legs(70, Asset.JPY),
            Posting("x", Asset.PT, 1),
            Posting("y", Asset.PT, -1),
        )
        assert len(make_entry(postings=postings).postings) == 6

    @pytest.mark.parametrize(
        "postings",
        [
            (),
            (Posting("a", Asset.PT, 5),),
        ],
    )
    def test_needs_two_postings(self, postings: tuple[Posting, ...]) -> None:
        with pytest.raises(InvalidEntry) as caught:
            make_entry(postings=postings)
        assert caught.type is InvalidEntry

    @pytest.mark.parametrize(
        "postings",
        [
            (Posting("a", Asset.PT, 5), Posting("b", Asset.PT, -4)),
            (Posting("a", Asset.PT, 5), Posting("b", Asset.JPY, -5)),
            (*two_legs(5, Asset.PT), Posting("c", Asset.JPY, 1), Posting("d", Asset.JPY, 1)),
        ],
    )
    def test_refuses_entries_that_do_not_sum_to_zero_per_asset(self, postings: tuple[Posting, ...]) -> None:
        with pytest.raises(UnbalancedEntry):
            make_entry(postings=postings)

    @pytest.mark.parametrize(
        "changes",
        [
            {"id": ""},
            {"id": None},
            {"kind": ""},
            {"kind": "Grant"},
            {"kind": "1grant"},
            {"kind": "grant-back"},
            {"kind": "grant\n"},
            {"kind": "gränt"},
            {"memo": None},
            {"memo": "\udfff"},
            {"created_at": datetime(2026, 11, 22, 12, 0)},
            {"created_at": "2026-11-22T12:00:00+00:00"},
            {"created_at": datetime.min.replace(tzinfo=JST)},
            {"postings": (Posting("a", Asset.PT, 1), ("b", "PT", -1))},
            {"postings": None},
        ],
    )
    def test_refuses_bad_fields(self, changes: dict[str, object]) -> None:
        with pytest.raises(InvalidEntry) as caught:
            make_entry(**changes)
        assert caught.type is InvalidEntry

    def test_memo_may_be_empty(self) -> None:
        assert make_entry(memo="").memo == ""

    def test_errors_share_one_base(self) -> None:
        for error in (InvalidEntry, UnbalancedEntry, InvalidPosting, InvalidSeal, InvalidAccount):
            assert issubclass(error, LedgerError)
        assert issubclass(UnbalancedEntry, InvalidEntry)


class TestSealedEntry:
    def test_checks_shapes(self) -> None:
        entry = make_entry()
        SealedEntry(entry, 1, GENESIS_HASH, bytes(range(32)))
        for seq, prev, digest in [
            (0, GENESIS_HASH, GENESIS_HASH),
            (True, GENESIS_HASH, GENESIS_HASH),
            (1, b"x", GENESIS_HASH),
            (1, GENESIS_HASH, bytes(33)),
        ]:
            with pytest.raises(InvalidSeal):
                SealedEntry(entry, seq, prev, digest)

    def test_seal_refuses_bad_starting_points(self) -> None:
        with pytest.raises(InvalidSeal):
            seal([make_entry()], prev_hash=bytes([1]) * 32, next_seq=1)
        with pytest.raises(InvalidSeal):
            seal([make_entry()], prev_hash=GENESIS_HASH, next_seq=0)
        with pytest.raises(InvalidSeal):
            seal([make_entry()], prev_hash=b"short", next_seq=5)

    def test_seal_numbers_and_links(self) -> None:
        sealed = seal([make_entry(id="a"), make_entry(id="b")], prev_hash=GENESIS_HASH, next_seq=1)
        assert [s.seq for s in sealed] == [1, 2]
        assert sealed[0].prev_hash == GENESIS_HASH
        assert sealed[1].prev_hash == sealed[0].hash
        assert sealed[0].hash != sealed[1].hash


class TestAccount:
    @pytest.mark.parametrize(
        ("kind", "side"),
        [
            (AccountKind.ASSET, Side.DEBIT),
            (AccountKind.EXPENSE, Side.DEBIT),
            (AccountKind.LIABILITY, Side.CREDIT),
            (AccountKind.EQUITY, Side.CREDIT),
            (AccountKind.INCOME, Side.CREDIT),
        ],
    )
    def test_normal_side_and_balance(self, kind: AccountKind, side: Side) -> None:
        account = Account("x", kind, may_go_negative=False)
        assert account.normal_side is side
        assert account.normal_balance(250) == (250 if side is Side.DEBIT else -250)

    def test_resident_points_read_positive_after_a_grant(self) -> None:
        resident = Account("resident:r1:points:2027-05-31", AccountKind.LIABILITY, may_go_negative=False)
        posted = sum(p.amount for p in two_legs(300) if p.account == resident.code)
        assert posted == -300  # credited in the journal...
        assert resident.normal_balance(posted) == 300  # ...which reads as 300 points owed to the resident

    @pytest.mark.parametrize(
        ("code", "kind"), [("", AccountKind.ASSET), ("x", "cash"), (None, AccountKind.ASSET)]
    )
    def test_refuses_bad_accounts(self, code: object, kind: object) -> None:
        with pytest.raises(InvalidAccount):
            Account(code, kind, False)  # type: ignore[arg-type]


def test_timestamps_in_any_zone_are_equal_instants() -> None:
    assert make_entry().created_at == WHEN.astimezone(UTC)
