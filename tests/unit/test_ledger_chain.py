"""Properties of the canonical encoding, the hash chain, balances, the export and the verifier."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import itertools
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from mitapo_ledger import (
    GENESIS_HASH,
    MAX_AMOUNT,
    Asset,
    ChainVerifier,
    Checkpoint,
    Entry,
    LedgerError,
    NonCanonical,
    Posting,
    RunningBalances,
    SealedEntry,
    VerifyReport,
    balances_digest,
    canonical_bytes,
    canonical_json,
    chain_hash,
    checkpoint_line,
    decode_canonical,
    entry_line,
    key_id,
    parse_line,
    realize,
    seal,
    sign_checkpoint,
    totals_by_asset,
    verify_export,
)
from mitapo_ledger.export import entry_canonical_bytes

KEY = Ed25519PrivateKey.generate()
KID = key_id(KEY.public_key())
KEYS = {KID: KEY.public_key()}
SIGNED_AT = datetime(2026, 11, 22, 3, 4, 5, 123456, tzinfo=UTC)

# --- strategies -------------------------------------------------------------------------------------------

accounts = st.one_of(
    st.sampled_from(
        [
            "city:issuance",
            "program:p1:budget",
            "resident:r1:points:2027-05-31",
            "resident:r1:money",
            "breakage",
        ]
    ),
    st.text(min_size=1, max_size=12),
)
fixed_offsets = st.builds(
    timezone,
    st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)),
)
moments = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.one_of(st.timezones(), fixed_offsets, st.just(UTC)),
)


@st.composite
def splits(draw: st.DrawFn, total: int) -> list[int]:
    """``total`` cut into 1-3 positive parts."""
    count = draw(st.integers(1, min(3, total)))
    cuts = (
        sorted(draw(st.sets(st.integers(1, total - 1), min_size=count - 1, max_size=count - 1)))
        if total > 1
        else []
    )
    bounds = [0, *cuts, total]
    return [high - low for low, high in itertools.pairwise(bounds)]


@st.composite
def entries(draw: st.DrawFn, entry_id: str | None = None) -> Entry:
    """Any valid entry: one or both assets, several debits and credits per asset, in any order."""
    postings: list[Posting] = []
    for asset in draw(st.lists(st.sampled_from(Asset), min_size=1, unique=True)):
        total = draw(st.integers(1, MAX_AMOUNT))
        postings += [Posting(draw(accounts), asset, part) for part in draw(splits(total))]
        postings += [Posting(draw(accounts), asset, -part) for part in draw(splits(total))]
    return Entry(
        id=entry_id if entry_id is not None else draw(st.text(min_size=1, max_size=16)),
        kind=draw(st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)),
        created_at=draw(moments),
        memo=draw(st.text(max_size=30)),
        postings=tuple(draw(st.permutations(postings))),
    )


journals = st.integers(1, 6).flatmap(
    lambda n: st.tuples(*(entries(entry_id=f"e-{i}") for i in range(1, n + 1))).map(list)
)


def in_utc(entry: Entry) -> Entry:
    return dataclasses.replace(entry, created_at=entry.created_at.astimezone(UTC))


def signed_checkpoint(sealed: Sequence[SealedEntry], key: Ed25519PrivateKey = KEY, **changes: object):  # type: ignore[no-untyped-def]
    fields: dict[str, object] = {
        "seq": sealed[-1].seq if sealed else 0,
        "hash": sealed[-1].hash if sealed else GENESIS_HASH,
        "signed_at": SIGNED_AT,
        "kid": key_id(key.public_key()),
        "balances_digest": balances_digest(realize(s.entry for s in sealed)),
    }
    fields.update(changes)
    return sign_checkpoint(Checkpoint(**fields), key)  # type: ignore[arg-type]


def export_lines(journal: Sequence[Entry]) -> list[str]:
    sealed = seal(journal, prev_hash=GENESIS_HASH, next_seq=1)
    return [*(entry_line(s) for s in sealed), checkpoint_line(signed_checkpoint(sealed))]


def verify_text(lines: Sequence[str]) -> VerifyReport:
    return verify_export(io.BytesIO("".join(line + "\n" for line in lines).encode()), KEYS)


def codes(report: VerifyReport) -> list[str]:
    return [problem.code for problem in report.problems]


def grant(entry_id: str, amount: int = 300) -> Entry:
    return Entry(
        id=entry_id,
        kind="grant",
        created_at=datetime(2026, 11, 22, 12, 4, 5, 123456, tzinfo=timezone(timedelta(hours=9))),
        memo="みたか",
        postings=(
            Posting("program:p1:budget", Asset.PT, amount),
            Posting("resident:r1:points", Asset.PT, -amount),
        ),
    )


# --- canonical encoding -------------------------------------------------------------------------------------


def test_canonical_bytes_follow_the_documented_format() -> None:
    expected = (
        '{"created_at":"2026-11-22T03:04:05.123456+00:00","id":"g1","kind":"grant","memo":"みたか",'
        '"postings":[{"account":"program:p1:budget","amount":300,"asset":"PT"},'
        '{"account":"resident:r1:points","amount":-300,"asset":"PT"}],"seq":42}'
    )
    assert canonical_bytes(grant("g1"), 42) == expected.encode("utf-8")


@given(entries(), st.integers(1, 2**63 - 1))
def test_canonical_encoding_round_trips(entry: Entry, seq: int) -> None:
    decoded, decoded_seq = decode_canonical(canonical_bytes(entry, seq))
    assert (decoded, decoded_seq) == (in_utc(entry), seq)
    assert decoded.created_at.utcoffset() == timedelta(0)
    assert decoded.postings == entry.postings


@given(entries(), st.integers(1, 1000))
def test_canonical_encoding_is_deterministic_and_zone_free(entry: Entry, seq: int) -> None:
    data = canonical_bytes(entry, seq)
    assert data == canonical_bytes(dataclasses.replace(entry), seq)
    assert data == canonical_bytes(in_utc(entry), seq)
    assert data == canonical_json(json.loads(data))
    assert canonical_bytes(entry, seq + 1) != data


@pytest.mark.parametrize(
    "variant",
    [
        lambda obj: json.dumps(obj, sort_keys=True, ensure_ascii=False).encode(),  # whitespace
        lambda obj: json.dumps(obj, sort_keys=True, separators=(",", ":")).encode(),  # \\u escapes
        lambda obj: json.dumps(
            dict(reversed(obj.items())), separators=(",", ":"), ensure_ascii=False
        ).encode(),
        lambda obj: canonical_json({**obj, "created_at": "2026-11-22T12:04:05.123456+09:00"}),
    ],
)
def test_decoding_refuses_non_canonical_spellings(variant) -> None:  # type: ignore[no-untyped-def]
    obj = json.loads(canonical_bytes(grant("g1"), 7))
    with pytest.raises(NonCanonical):
        decode_canonical(variant(obj))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff",
        b"[]",
        b'{"seq":1}',
        b'{"created_at":"2026-11-22T03:04:05.123456+00:00","id":"g","kind":"grant","memo":"",'
        b'"postings":[{"account":"a","amount":1.5,"asset":"PT"},{"account":"b","amount":-1,"asset":"PT"}],"seq":1}',
        b'{"created_at":"2026-11-22T03:04:05.123456+00:00","id":"g","kind":"grant","memo":"",'
        b'"postings":[{"account":"a","amount":2,"asset":"PT"},{"account":"b","amount":-1,"asset":"PT"}],"seq":1}',
        b'{"created_at":"2026-11-22T03:04:05.123456+00:00","id":"g","kind":"grant","memo":"","memo":"",'
        b'"postings":[{"account":"a","amount":1,"asset":"PT"},{"account":"b","amount":-1,"asset":"PT"}],"seq":1}',
        b"[" * 100_000,
    ],
)
def test_decoding_bad_bytes_raises_only_ledger_errors(data: bytes) -> None:
    with pytest.raises(LedgerError):
        decode_canonical(data)


# --- hash chain ---------------------------------------------------------------------------------------------


@given(journals)
def test_seal_links_each_hash_to_the_previous_one(journal: list[Entry]) -> None:
    sealed = seal(journal, prev_hash=GENESIS_HASH, next_seq=1)
    previous = GENESIS_HASH
    for seq, item in enumerate(sealed, start=1):
        assert item.seq == seq
        assert item.prev_hash == previous
        assert item.hash == hashlib.sha256(previous + canonical_bytes(item.entry, seq)).digest()
        assert item.hash == chain_hash(previous, item.entry, seq)
        previous = item.hash


@given(journals, st.data())
def test_sealing_in_batches_equals_sealing_at_once(journal: list[Entry], data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(journal)))
    first = seal(journal[:cut], prev_hash=GENESIS_HASH, next_seq=1)
    rest = seal(journal[cut:], prev_hash=first[-1].hash if first else GENESIS_HASH, next_seq=cut + 1)
    assert first + rest == seal(journal, prev_hash=GENESIS_HASH, next_seq=1)


# --- balances -----------------------------------------------------------------------------------------------


@given(journals)
def test_running_balances_equal_realized_balances(journal: list[Entry]) -> None:
    running = RunningBalances()
    for entry in journal:
        running.apply(entry)
    assert running.snapshot() == realize(journal)
    assert running.digest() == balances_digest(realize(journal))
    assert all(total != 0 for total in running.snapshot().values())
    assert set(totals_by_asset(running.snapshot()).values()) == {0}


@given(journals, st.randoms(use_true_random=False))
def test_balances_digest_is_stable_under_entry_order(journal: list[Entry], random) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(journal)
    random.shuffle(shuffled)
    assert balances_digest(realize(shuffled)) == balances_digest(realize(journal))


@given(entries())
def test_an_entry_and_its_reversal_leave_no_balances(entry: Entry) -> None:
    reversal = dataclasses.replace(
        entry, id="rev", postings=tuple(dataclasses.replace(p, amount=-p.amount) for p in entry.postings)
    )
    assert realize([entry, reversal]) == {}
    assert balances_digest(realize([entry, reversal])) == hashlib.sha256(b"[]").digest()


def test_balances_digest_follows_the_documented_format() -> None:
    balances = {("b", Asset.PT): -5, ("a", Asset.JPY): 7, ("a", Asset.PT): -2, ("zero", Asset.PT): 0}
    expected = hashlib.sha256(b'[["a","JPY",7],["a","PT",-2],["b","PT",-5]]').digest()
    assert balances_digest(balances) == expected


def test_snapshot_is_a_copy() -> None:
    running = RunningBalances()
    running.apply(grant("g1"))
    before = running.snapshot()
    running.apply(grant("g2"))
    assert before == {("program:p1:budget", Asset.PT): 300, ("resident:r1:points", Asset.PT): -300}


# --- export lines -------------------------------------------------------------------------------------------


@given(journals)
def test_export_lines_round_trip(journal: list[Entry]) -> None:
    sealed = seal(journal, prev_hash=GENESIS_HASH, next_seq=1)
    checkpoint = signed_checkpoint(sealed)
    for item in sealed:
        line = entry_line(item)
        assert "\n" not in line
        assert parse_line(line) == dataclasses.replace(item, entry=in_utc(item.entry))
        assert parse_line((line + "\n").encode()) == parse_line(line)
    assert parse_line(checkpoint_line(checkpoint)) == checkpoint


@given(journals)
def test_the_hashed_bytes_cut_from_an_export_line_are_the_canonical_bytes(journal: list[Entry]) -> None:
    for item in seal(journal, prev_hash=GENESIS_HASH, next_seq=1):
        assert entry_canonical_bytes(entry_line(item)) == canonical_bytes(item.entry, item.seq)


@given(st.one_of(st.binary(max_size=200), st.text(max_size=200)))
def test_parse_line_raises_nothing_but_ledger_errors(data: bytes | str) -> None:
    with contextlib.suppress(LedgerError):
        parse_line(data)


def test_parse_line_refuses_upper_case_hex_and_padding() -> None:
    line = entry_line(seal([grant("g1")], prev_hash=GENESIS_HASH, next_seq=1)[0])
    obj = json.loads(line)
    with pytest.raises(NonCanonical):
        parse_line(line + " ")
    with pytest.raises(LedgerError):
        parse_line(canonical_json({**obj, "hash": obj["hash"].upper()}).decode())
    with pytest.raises(LedgerError):
        parse_line(canonical_json({**obj, "type": "entries"}).decode())
    with pytest.raises(LedgerError):
        parse_line(canonical_json({**obj, "extra": 1}).decode())


# --- the verifier -------------------------------------------------------------------------------------------


@given(journals)
def test_an_honest_export_verifies(journal: list[Entry]) -> None:
    lines = export_lines(journal)
    report = verify_text(lines)
    assert report.problems == ()
    assert report.ok
    assert report.entries_checked == report.head_seq == len(journal)
    assert report.head_hash == parse_line(lines[-2]).hash  # type: ignore[union-attr]


@settings(max_examples=300)
@given(journals, st.data())
def test_flipping_any_byte_of_an_export_fails_verification(journal: list[Entry], data: st.DataObject) -> None:
    original = "".join(line + "\n" for line in export_lines(journal)).encode()
    position = data.draw(st.integers(0, len(original) - 1), label="position")
    mask = data.draw(st.integers(1, 255), label="xor mask")
    tampered = bytearray(original)
    tampered[position] ^= mask
    report = verify_export(io.BytesIO(bytes(tampered)), KEYS)
    assert not report.ok
    assert report.problems


def test_verifier_names_the_tampered_entry() -> None:
    lines = export_lines([grant("g1"), grant("g2"), grant("g3")])
    lines[1] = lines[1].replace("みたか", "みたけ")
    report = verify_text(lines)
    assert [(p.code, p.line, p.seq, p.entry_id) for p in report.problems] == [("hash_mismatch", 2, 2, "g2")]


def test_an_unbalanced_entry_line_is_a_problem_not_an_exception() -> None:
    lines = export_lines([grant("g1"), grant("g2")])
    lines[0] = lines[0].replace('"amount":300', '"amount":301')
    report = verify_text(lines)
    first = report.problems[0]
    assert (first.code, first.line, first.seq, first.entry_id) == ("unbalanced_entry", 1, 1, "g1")
    assert not report.ok


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        # a gap is the root cause; the broken link that follows from it is not reported again
        (lambda lines: [lines[1], lines[0], *lines[2:]], {"seq_gap"}),
        (lambda lines: [lines[0], *lines[2:]], {"seq_gap"}),
        (lambda lines: lines[:-1], {"no_checkpoint"}),
        (lambda lines: [*lines[:-1], "", lines[-1]], {"malformed"}),
        (lambda lines: [*lines[:-1], "{}", lines[-1]], {"malformed"}),
        (lambda lines: [*lines[:-1], lines[-1].replace('"hash":"', '"hash":"A', 1)], {"malformed"}),
        (lambda lines: [*lines[:-1], lines[-1].replace(",", ", ", 1)], {"non_canonical"}),
        (lambda lines: [lines[-1], *lines[:-1]], {"checkpoint_beyond_head", "unanchored"}),
        (lambda lines: [*lines[:-2], lines[-1], lines[-2]], {"checkpoint_beyond_head", "unanchored"}),
    ],
)
def test_tampering_with_the_structure_is_reported(tamper, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    lines = export_lines([grant("g1"), grant("g2"), grant("g3")])
    report = verify_text(tamper(lines))
    assert expected <= set(codes(report))
    assert not report.ok


def test_a_repeated_checkpoint_at_the_head_is_harmless() -> None:
    lines = export_lines([grant("g1"), grant("g2")])
    assert verify_text([*lines, lines[-1]]).ok


def test_entries_after_the_last_checkpoint_are_unanchored() -> None:
    sealed = seal([grant("g1"), grant("g2"), grant("g3")], prev_hash=GENESIS_HASH, next_seq=1)
    lines = [entry_line(sealed[0]), entry_line(sealed[1]), checkpoint_line(signed_checkpoint(sealed[:2]))]
    lines.append(entry_line(sealed[2]))
    report = verify_text(lines)
    assert [(p.code, p.line, p.seq, p.entry_id) for p in report.problems] == [("unanchored", 4, 3, "g3")]


def test_checkpoints_are_checked_where_they_stand_in_the_stream() -> None:
    sealed = seal([grant("g1"), grant("g2")], prev_hash=GENESIS_HASH, next_seq=1)
    verifier = ChainVerifier(KEYS)
    verifier.add_entry(sealed[0])
    verifier.add_checkpoint(signed_checkpoint(sealed[:1]))
    verifier.add_entry(sealed[1])
    verifier.add_checkpoint(signed_checkpoint(sealed))
    assert verifier.report().ok
    verifier.add_checkpoint(signed_checkpoint(sealed[:1]))
    assert codes(verifier.report()) == ["checkpoint_out_of_order"]
    early = ChainVerifier(KEYS)
    early.add_checkpoint(signed_checkpoint(sealed[:1]))
    early.add_entry(sealed[0])
    assert codes(early.report()) == ["checkpoint_beyond_head", "unanchored"]


@pytest.mark.parametrize(
    ("checkpoint_changes", "expected"),
    [
        ({"hash": bytes(range(32))}, "checkpoint_hash_mismatch"),
        ({"balances_digest": bytes(32)}, "balances_digest_mismatch"),
        ({"seq": 9}, "checkpoint_beyond_head"),
        ({"seq": 1}, "checkpoint_out_of_order"),
    ],
)
def test_a_validly_signed_but_wrong_checkpoint_is_reported(
    checkpoint_changes: dict[str, object], expected: str
) -> None:
    sealed = seal([grant("g1"), grant("g2")], prev_hash=GENESIS_HASH, next_seq=1)
    lines = [
        *(entry_line(s) for s in sealed),
        checkpoint_line(signed_checkpoint(sealed, **checkpoint_changes)),
    ]
    assert expected in codes(verify_text(lines))


def test_checkpoints_need_a_known_key_that_verifies() -> None:
    other = Ed25519PrivateKey.generate()
    sealed = seal([grant("g1")], prev_hash=GENESIS_HASH, next_seq=1)
    lines = [entry_line(sealed[0]), checkpoint_line(signed_checkpoint(sealed, key=other))]
    assert codes(verify_text(lines)) == ["unknown_kid"]
    wrong_key_under_kid = verify_export(lines, {key_id(other.public_key()): KEY.public_key()})
    assert codes(wrong_key_under_kid) == ["kid_mismatch"]
    forged = dataclasses.replace(signed_checkpoint(sealed), signature=bytes(64))
    assert codes(verify_text([lines[0], checkpoint_line(forged)])) == ["bad_signature"]


def test_an_empty_ledger_verifies_with_a_checkpoint_at_seq_zero() -> None:
    report = verify_text([checkpoint_line(signed_checkpoint([]))])
    assert report.ok
    assert (report.entries_checked, report.head_seq, report.head_hash) == (0, 0, GENESIS_HASH)
    assert codes(verify_text([])) == ["no_checkpoint"]


def test_report_does_not_change_the_verifier() -> None:
    sealed = seal([grant("g1")], prev_hash=GENESIS_HASH, next_seq=1)
    verifier = ChainVerifier(KEYS)
    verifier.add_entry(sealed[0], line=1)
    assert codes(verifier.report()) == codes(verifier.report()) == ["no_checkpoint"]
    verifier.add_checkpoint(signed_checkpoint(sealed), line=2)
    assert verifier.report().ok
