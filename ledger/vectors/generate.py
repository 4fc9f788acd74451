"""Write the test vectors of docs/ledger-format.md into this directory: `python ledger/vectors/generate.py`.

Deterministic: the keys come from fixed seeds (Ed25519 signatures are deterministic), the times are fixed, so
running it again gives the same bytes; the project's tests check that the files here are exactly what it
writes. Each vector is an export file; `manifest.json` says whether it is valid and, when not, the problem
code `mitapo-ledger verify` reports first. See README.md here for running them against another verifier.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mitapo_ledger import (
    GENESIS_HASH,
    Asset,
    Checkpoint,
    Entry,
    Posting,
    SealedEntry,
    balances_digest,
    checkpoint_line,
    cosign,
    cosignature_line,
    entry_line,
    key_id,
    public_key_b64,
    realize,
    seal,
    sign_checkpoint,
    start_from_balances,
    start_line,
)


def _key(name: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(f"mitapo test vector {name}".encode()).digest()
    )


SERVER, ROTATED, STRANGER, WITNESS = _key("server"), _key("server rotated"), _key("stranger"), _key("witness")
T0 = datetime(2026, 12, 1, 0, 0, 0, 123456, tzinfo=UTC)
BIG = 2**53 + 1  # JavaScript's JSON.parse reads 9007199254740992


def _entry(n: int, postings: list[tuple[str, str, int]], *, kind: str = "grant", memo: str = "") -> Entry:
    return Entry(
        id=f"00000000-0000-4000-8000-{n:012d}",
        kind=kind,
        created_at=T0 + timedelta(seconds=n),
        memo=memo,
        postings=tuple(Posting(account, Asset(asset), amount) for account, asset, amount in postings),
    )


def journal() -> list[Entry]:
    """A small town's first entries, with the memos that test escaping."""
    return [
        _entry(1, [("program:p1:budget", "PT", 10_000), ("city:issuance", "PT", -10_000)], kind="funding"),
        _entry(
            2,
            [("resident:r1:points:2027-05-31", "PT", 300), ("program:p1:budget", "PT", -300)],
            memo="三鷹の森",
        ),
        _entry(
            3, [("resident:r1:money", "JPY", 5000), ("channel:bank:clearing", "JPY", -5000)], kind="topup"
        ),
        _entry(
            4,
            [
                ("merchant:m1:receivable", "PT", 120),
                ("resident:r1:points:2027-05-31", "PT", -120),
                ("merchant:m1:receivable", "JPY", 380),
                ("resident:r1:money", "JPY", -380),
            ],
            kind="payment",
            memo='quote " backslash \\ tab \t newline \n nul \x00 del \x7f ls \u2028 emoji 🎋',
        ),
        _entry(
            5,
            [("resident:r2:points:2027-05-31", "PT", 50), ("resident:r1:points:2027-05-31", "PT", -50)],
            kind="gift",
        ),
    ]


def checkpoint_for(
    sealed: list[SealedEntry],
    entries: list[Entry],
    key: Ed25519PrivateKey = SERVER,
    *,
    at: int = 0,
    digest: bytes | None = None,
    head: bytes | None = None,
) -> str:
    last = sealed[-1] if sealed else None
    checkpoint = Checkpoint(
        seq=last.seq if last else 0,
        hash=head or (last.hash if last else GENESIS_HASH),
        signed_at=T0 + timedelta(minutes=1 + at),
        kid=key_id(key.public_key()),
        balances_digest=digest or balances_digest(realize(entries)),
    )
    return checkpoint_line(sign_checkpoint(checkpoint, key))


def full(entries: list[Entry] | None = None) -> list[str]:
    entries = journal() if entries is None else entries
    sealed = seal(entries, prev_hash=GENESIS_HASH, next_seq=1)
    return [*(entry_line(s) for s in sealed), checkpoint_for(sealed, entries)]


def _replace(lines: list[str], index: int, old: str, new: str) -> list[str]:
    assert old in lines[index], (old, lines[index])
    return [*lines[:index], lines[index].replace(old, new, 1), *lines[index + 1 :]]


def _swap_last_key_order(line: str) -> str:
    obj = json.loads(line)
    return json.dumps(dict(reversed(list(obj.items()))), separators=(",", ":"), ensure_ascii=False)


def with_checkpoints_between() -> list[str]:
    entries = journal()
    sealed = seal(entries, prev_hash=GENESIS_HASH, next_seq=1)
    lines = [entry_line(s) for s in sealed]
    middle = checkpoint_for(sealed[:2], entries[:2])
    rotated = checkpoint_for(sealed, entries, ROTATED, at=1)
    return [*lines[:2], middle, *lines[2:], rotated]


def since_export(start_seq: int = BIG) -> tuple[list[str], str]:
    """An export that continues seq `start_seq`: its start line, checkpoint, two entries, checkpoint. The kept
    checkpoint (the `since` file) is the one at `start_seq`."""
    before = journal()
    balances = realize(before)
    head = hashlib.sha256(b"the hash of an entry at a seq beyond 2^53").digest()
    start = start_from_balances(start_seq, head, balances)
    kept_checkpoint = Checkpoint(start_seq, head, T0, key_id(SERVER.public_key()), balances_digest(balances))
    kept = checkpoint_line(sign_checkpoint(kept_checkpoint, SERVER))
    more = [
        _entry(6, [("resident:r3:points:2027-06-30", "PT", BIG), ("program:p1:budget", "PT", -BIG)]),
        _entry(7, [("breakage", "PT", 1), ("resident:r3:points:2027-06-30", "PT", -1)], kind="expiry"),
    ]
    sealed = seal(more, prev_hash=head, next_seq=start_seq + 1)
    end = Checkpoint(
        sealed[-1].seq,
        sealed[-1].hash,
        T0 + timedelta(minutes=5),
        key_id(SERVER.public_key()),
        balances_digest(realize([*before, *more])),
    )
    lines = [
        start_line(start),
        kept,
        *(entry_line(s) for s in sealed),
        checkpoint_line(sign_checkpoint(end, SERVER)),
    ]
    return lines, kept


def cosigned() -> list[str]:
    lines = full()
    from mitapo_ledger import parse_line

    signed = parse_line(lines[-1])
    assert not isinstance(signed, SealedEntry)
    cos = cosign(signed.checkpoint, WITNESS, T0 + timedelta(minutes=2))  # type: ignore[union-attr]
    return [*lines, cosignature_line(cos)]


def rewritten() -> list[str]:
    """The whole journal with entry 2's memo changed and everything re-sealed and re-signed with the server's
    own key: valid alone, refused with `--since` the genuine checkpoint or `--witness`."""
    entries = journal()
    entries[1] = dataclasses.replace(entries[1], memo="nothing happened here")
    return full(entries)


def _signature_flipped(line: str) -> str:
    obj = json.loads(line)
    raw = bytearray(base64.b64decode(obj["signature"]))
    raw[0] ^= 1
    return line.replace(obj["signature"], base64.b64encode(bytes(raw)).decode())


def _signed_wrong(**kw: object) -> list[str]:
    entries = journal()
    sealed = seal(entries, prev_hash=GENESIS_HASH, next_seq=1)
    return [*(entry_line(s) for s in sealed), checkpoint_for(sealed, entries, **kw)]  # type: ignore[arg-type]


def _entries_after_checkpoint() -> list[str]:
    lines = full()
    return [
        *lines[:3],
        checkpoint_for(seal(journal(), prev_hash=GENESIS_HASH, next_seq=1)[:3], journal()[:3]),
        *lines[3:5],
    ]


def vectors() -> list[dict[str, object]]:
    """Every vector: (name, lines, valid, first problem, since lines, witness keys, what it tests)."""
    base = full()
    empty = [checkpoint_for([], [])]
    since_lines, kept = since_export()
    witness = public_key_b64(WITNESS.public_key())
    ts = '"created_at":"2026-12-01T00:00:01.123456+00:00"'

    def v(name: str, lines: list[str], problem: str | None, about: str, **extra: object) -> dict[str, object]:
        return {"name": name, "lines": lines, "problem": problem, "about": about, **extra}

    return [
        v("valid-empty", empty, None, "a new install: no entry, a checkpoint at seq 0 with the genesis hash"),
        v(
            "valid-journal",
            base,
            None,
            "entries of both assets, memos with every escaped character, one checkpoint",
        ),
        v("valid-no-final-newline", base, None, "the last line's LF may be missing", final_newline=False),
        v(
            "valid-checkpoints-and-rotation",
            with_checkpoints_between(),
            None,
            "a checkpoint between entries; the last signed by a rotated key",
        ),
        v(
            "valid-since-beyond-2-53",
            since_lines,
            None,
            "a start at seq 2^53+1 and an amount of 2^53+1: integers must be read exactly",
            since=[kept],
        ),
        v(
            "valid-cosigned",
            cosigned(),
            None,
            "a witness's cosignature after the checkpoint",
            witnesses=[witness],
        ),
        v(
            "valid-rewritten-alone",
            rewritten(),
            None,
            "history rewritten and re-signed with the server's key: valid alone",
        ),
        v(
            "invalid-rewritten-since",
            rewritten(),
            "not_an_extension",
            "the rewritten history, with --since the genuine checkpoint",
            since=[base[-1]],
        ),
        v(
            "invalid-rewritten-witness",
            rewritten(),
            "not_cosigned",
            "the rewritten history, with --witness",
            witnesses=[witness],
        ),
        v(
            "invalid-rollback-since",
            full(journal()[:3]),
            "not_an_extension",
            "an older genuine export, with --since a newer checkpoint",
            since=[base[-1]],
        ),
        v(
            "invalid-since-starts-after",
            since_lines,
            "not_an_extension",
            "starts after the kept checkpoint: cannot show it extends it",
            since=[full(journal()[:2])[-1]],
        ),
        v(
            "invalid-bad-cosignature",
            _replace(
                cosigned(),
                6,
                '"cosigned_at":"2026-12-01T00:02:00.123456',
                '"cosigned_at":"2026-12-01T00:03:00.123456',
            ),
            "bad_cosignature",
            "a cosignature whose time was changed",
            witnesses=[witness],
        ),
        v(
            "invalid-cosignature-out-of-place",
            [*base[:5], cosigned()[6], base[5]],
            "cosignature_out_of_place",
            "a cosignature not right after its checkpoint",
        ),
        v(
            "invalid-crlf",
            [line + "\r" for line in base],
            "non_canonical",
            "CRLF line ends: same data, not the canonical bytes",
        ),
        v(
            "invalid-unicode-escape",
            _replace(base, 1, "三鷹の森", "\\u4e09鷹の森"),
            "non_canonical",
            "a \\u escape of a character canonical JSON writes raw",
        ),
        v(
            "invalid-escaped-slash",
            _replace(base, 3, "\\\\ tab", "\\/ tab"),
            "non_canonical",
            "\\/ is JSON but not canonical",
        ),
        v(
            "invalid-time-offset",
            _replace(
                base,
                0,
                '"created_at":"2026-12-01T00:00:01.123456+00:00"',
                '"created_at":"2026-12-01T09:00:01.123456+09:00"',
            ),
            "non_canonical",
            "the same instant written at +09:00",
        ),
        v(
            "invalid-time-z",
            _replace(base, 0, ts, ts.replace("+00:00", "Z")),
            "non_canonical",
            "the same instant written with Z",
        ),
        v(
            "invalid-time-no-micros",
            _replace(base, 0, ts, ts.replace(".123456", "")),
            "non_canonical",
            "microseconds left out",
        ),
        v(
            "invalid-signed-at-offset",
            _replace(
                base,
                5,
                '"signed_at":"2026-12-01T00:01:00.123456+00:00"',
                '"signed_at":"2026-12-01T09:01:00.123456+09:00"',
            ),
            "non_canonical",
            "signed_at is signed as written: only the canonical spelling",
        ),
        v(
            "invalid-key-order",
            [_swap_last_key_order(base[0]), *base[1:]],
            "non_canonical",
            "keys not in sorted order",
        ),
        v("invalid-whitespace", _replace(base, 0, '","', '", "'), "non_canonical", "a space between tokens"),
        v(
            "invalid-upper-hex",
            [base[0], _upper_hash(base[1]), *base[2:]],
            "malformed",
            "hex digits must be lower-case",
        ),
        v(
            "invalid-float",
            _replace(base, 0, '"amount":10000', '"amount":10000.0'),
            "malformed",
            "an amount written as a float",
        ),
        v(
            "invalid-exponent",
            _replace(base, 0, '"amount":10000', '"amount":1e4'),
            "malformed",
            "an amount with an exponent",
        ),
        v(
            "invalid-amount-beyond-64-bits",
            _replace(
                _replace(base, 0, '"amount":10000', '"amount":9223372036854775808'),
                0,
                '"amount":-10000',
                '"amount":-9223372036854775808',
            ),
            "invalid_posting",
            "an amount beyond a signed 64-bit integer",
        ),
        v(
            "invalid-duplicate-key",
            _replace(base, 0, '"kind":"funding"', '"kind":"funding","kind":"funding"'),
            "malformed",
            "a key twice in one object",
        ),
        v(
            "invalid-unknown-field",
            _replace(base, 0, '"kind":"funding"', '"kind":"funding","note":"x"'),
            "malformed",
            "a field the format does not have",
        ),
        v(
            "invalid-unknown-type",
            _replace(base, 0, '"type":"entry"', '"type":"entries"'),
            "malformed",
            "an unknown line type",
        ),
        v(
            "invalid-unknown-asset",
            _replace(base, 0, '"asset":"PT"', '"asset":"USD"'),
            "malformed",
            "an asset other than PT and JPY",
        ),
        v(
            "invalid-memo-not-string",
            _replace(base, 0, '"memo":""', '"memo":0'),
            "malformed",
            "memo must be a string",
        ),
        v(
            "invalid-kind",
            _replace(base, 0, '"kind":"funding"', '"kind":"Funding"'),
            "invalid_entry",
            "kind must be a snake_case word",
        ),
        v(
            "invalid-unbalanced",
            _replace(base, 1, '"amount":300', '"amount":301'),
            "unbalanced_entry",
            "postings that do not sum to zero",
        ),
        v(
            "invalid-zero-amount",
            _replace(_replace(base, 0, '"amount":10000', '"amount":0'), 0, '"amount":-10000', '"amount":0'),
            "invalid_posting",
            "a zero amount",
        ),
        v(
            "invalid-one-posting",
            [_one_posting(base[0]), *base[1:]],
            "invalid_entry",
            "fewer than two postings",
        ),
        v("invalid-bom", ["\ufeff" + base[0], *base[1:]], "malformed", "a byte-order mark"),
        v("invalid-blank-line", [*base[:2], "", *base[2:]], "malformed", "an empty line"),
        v("invalid-seq-gap", [base[0], *base[2:]], "seq_gap", "an entry left out"),
        v(
            "invalid-prev-hash",
            [base[0], _edit_hash_field(base[1], "prev_hash"), *base[2:]],
            "prev_hash_mismatch",
            "prev_hash is not the previous hash",
        ),
        v(
            "invalid-hash",
            [base[0], _replace(base, 1, "三鷹の森", "三鷹の杜")[1], *base[2:]],
            "hash_mismatch",
            "a memo changed: the hash no longer matches",
        ),
        v(
            "invalid-duplicate-id",
            full([*journal(), dataclasses.replace(journal()[4], created_at=T0 + timedelta(hours=1))]),
            "duplicate_entry_id",
            "an entry id used twice",
        ),
        v(
            "invalid-bad-signature",
            [*base[:5], _signature_flipped(base[5])],
            "bad_signature",
            "the signature does not match the given key",
        ),
        v(
            "invalid-unknown-key",
            _signed_wrong(key=STRANGER),
            "unknown_kid",
            "signed by a key that was not given",
        ),
        v(
            "invalid-signature-base64url",
            [*base[:5], _b64_variant(base[5], urlsafe=True)],
            "malformed",
            "base64url instead of standard base64",
        ),
        v(
            "invalid-signature-unpadded",
            [*base[:5], _b64_variant(base[5], urlsafe=False)],
            "malformed",
            "base64 without its = padding",
        ),
        v(
            "invalid-checkpoint-hash",
            _signed_wrong(head=bytes(range(32))),
            "checkpoint_hash_mismatch",
            "a signed checkpoint whose hash is not the head's",
        ),
        v(
            "invalid-balances-digest",
            _signed_wrong(digest=hashlib.sha256(b"[]").digest()),
            "balances_digest_mismatch",
            "a signed checkpoint whose balances digest is wrong",
        ),
        v(
            "invalid-checkpoint-beyond-head",
            [*base[:4], base[5], base[4]],
            "checkpoint_beyond_head",
            "a checkpoint before its entry",
        ),
        v(
            "invalid-checkpoint-out-of-order",
            _out_of_order(),
            "checkpoint_out_of_order",
            "a checkpoint after entries beyond its seq",
        ),
        v("invalid-no-checkpoint", base[:5], "no_checkpoint", "entries and no checkpoint"),
        v(
            "invalid-unanchored",
            _entries_after_checkpoint(),
            "unanchored",
            "entries after the last checkpoint",
        ),
        v(
            "invalid-start-out-of-place",
            [base[0], since_lines[0], *base[1:]],
            "start_out_of_place",
            "a start line that is not the first",
        ),
        v(
            "invalid-asset-totals",
            _start_not_summing_to_zero(),
            "asset_totals_nonzero",
            "signed balances of an asset that do not sum to zero",
        ),
        v(
            "invalid-start-unsorted",
            [_unsort_start(since_lines[0]), *since_lines[1:]],
            "malformed",
            "start balances not sorted",
        ),
    ]


def _upper_hash(line: str) -> str:
    stated = json.loads(line)["hash"]
    return line.replace(stated, stated.upper())


def _one_posting(line: str) -> str:
    obj = json.loads(line)
    obj["postings"] = obj["postings"][:1]
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _edit_hash_field(line: str, field: str) -> str:
    stated = json.loads(line)[field]
    return line.replace(stated, "0" * 64)


def _b64_variant(line: str, *, urlsafe: bool) -> str:
    raw = base64.b64decode(json.loads(line)["signature"])
    assert set("+/") & set(base64.b64encode(raw).decode()), "pick another journal: no + or / to change"
    text = base64.urlsafe_b64encode(raw).decode() if urlsafe else base64.b64encode(raw).decode().rstrip("=")
    return line.replace(json.loads(line)["signature"], text)


def _out_of_order() -> list[str]:
    entries = journal()
    sealed = seal(entries, prev_hash=GENESIS_HASH, next_seq=1)
    lines = [entry_line(s) for s in sealed]
    return [*lines[:3], checkpoint_for(sealed[:2], entries[:2]), *lines[3:], checkpoint_for(sealed, entries)]


def _start_not_summing_to_zero() -> list[str]:
    """A start whose balances the checkpoint signs, but PT does not sum to zero: points from nowhere."""
    balances = {("program:p1:budget", Asset.PT): 500, ("city:issuance", Asset.PT): -400}
    head = hashlib.sha256(b"a head").digest()
    checkpoint = Checkpoint(7, head, T0, key_id(SERVER.public_key()), balances_digest(balances))
    return [
        start_line(start_from_balances(7, head, balances)),
        checkpoint_line(sign_checkpoint(checkpoint, SERVER)),
    ]


def _unsort_start(line: str) -> str:
    obj = json.loads(line)
    obj["balances"] = list(reversed(obj["balances"]))
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def write(directory: Path) -> None:
    manifest: list[dict[str, object]] = []
    for vector in vectors():
        name = str(vector["name"])
        lines = list(vector["lines"])  # type: ignore[call-overload]
        text = "\n".join(lines) + ("\n" if vector.get("final_newline", True) else "")
        (directory / f"{name}.ndjson").write_bytes(text.encode("utf-8"))
        item: dict[str, object] = {
            "file": f"{name}.ndjson",
            "valid": vector["problem"] is None,
            "problem": vector["problem"],
            "about": vector["about"],
        }
        if "since" in vector:
            since = f"{name}.since.ndjson"
            (directory / since).write_bytes(("\n".join(vector["since"]) + "\n").encode("utf-8"))  # type: ignore[call-overload]
            item["since"] = since
        if "witnesses" in vector:
            item["witnesses"] = vector["witnesses"]
        manifest.append(item)
    keys = [SERVER, ROTATED]
    listed = {
        "keys": [{"kid": key_id(k.public_key()), "public_key": public_key_b64(k.public_key())} for k in keys]
    }
    (directory / "public-keys.json").write_text(json.dumps(listed, indent=2) + "\n", encoding="utf-8")
    document = {
        "format": "mitapo ledger export, version 2 (docs/ledger-format.md)",
        "public_keys": "public-keys.json",
        "vectors": manifest,
    }
    (directory / "manifest.json").write_text(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent)
