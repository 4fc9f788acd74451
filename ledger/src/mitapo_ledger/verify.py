"""The verifier: re-derive everything a journal claims, and report every disagreement as a ``Problem``.

``ChainVerifier`` knows nothing of files: the offline CLI feeds it parsed export lines, and the service's
audit feeds it entries read from its database. It never raises on bad data; it collects problems, as an
auditor would, so one run names every broken line rather than the first.

A checkpoint must be added right after the entry at its seq (before the next entry): only then can the
balances it states be recomputed without keeping history. One added earlier is ``checkpoint_beyond_head``,
one added later ``checkpoint_out_of_order``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mitapo_ledger.balances import RunningBalances, totals_by_asset
from mitapo_ledger.chain import GENESIS_HASH, chain_hash
from mitapo_ledger.checkpoints import SignedCheckpoint, key_id, signature_valid
from mitapo_ledger.entries import SealedEntry
from mitapo_ledger.errors import LedgerError
from mitapo_ledger.export import identify_line, parse_line


@dataclass(frozen=True, slots=True)
class Problem:
    """One failed check, located as precisely as the failure allows."""

    code: str
    detail: str
    line: int | None = None
    seq: int | None = None
    entry_id: str | None = None

    def __str__(self) -> str:
        where = [
            f"line {self.line}" if self.line is not None else "",
            f"seq {self.seq}" if self.seq is not None else "",
            f"entry {self.entry_id!r}" if self.entry_id is not None else "",
        ]
        place = ", ".join(part for part in where if part)
        return f"{place}: {self.code}: {self.detail}" if place else f"{self.code}: {self.detail}"


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome: ``ok`` exactly when ``problems`` is empty."""

    ok: bool
    entries_checked: int
    head_seq: int
    head_hash: bytes
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class _Position:
    """Where an entry sits, for naming it in problems."""

    seq: int
    hash: bytes
    entry_id: str | None
    line: int | None


_START = _Position(seq=0, hash=GENESIS_HASH, entry_id=None, line=None)


def _short(digest: bytes) -> str:
    return digest.hex()[:16] + "…"


class ChainVerifier:
    """Checks sealed entries and signed checkpoints as they arrive, in seq order."""

    def __init__(self, public_keys: Mapping[str, Ed25519PublicKey]) -> None:
        self._keys = dict(public_keys)
        self._balances = RunningBalances()
        self._problems: list[Problem] = []
        self._entries_checked = 0
        self._head = _START
        self._checkpoints_seen = 0
        self._first_unanchored: _Position | None = None

    def add_problem(self, problem: Problem) -> None:
        """Record a failure found outside the verifier, such as a line or a row that could not be read."""
        self._problems.append(problem)

    def add_entry(self, sealed: SealedEntry, line: int | None = None) -> None:
        """Check ``sealed`` against its predecessor and its own hash, then apply it to the balances."""
        here = _Position(seq=sealed.seq, hash=sealed.hash, entry_id=sealed.entry.id, line=line)
        try:
            self._check_link(sealed, here)
            self._check_hash(sealed, here)
        except LedgerError as error:  # unreachable for well-formed values; kept so audits never crash
            self._problem(error.code, str(error), here)
        self._balances.apply(sealed.entry)
        self._entries_checked += 1
        self._head = here
        if self._first_unanchored is None:
            self._first_unanchored = here

    def add_checkpoint(self, signed: SignedCheckpoint, line: int | None = None) -> None:
        """Check the signature, then that the checkpoint states the head and balances right after its seq."""
        self._checkpoints_seen += 1
        self._check_signature(signed, line)
        seq, head = signed.checkpoint.seq, self._head.seq
        if seq == head:
            self._check_position(signed, line)
            return
        code, detail = (
            ("checkpoint_beyond_head", f"no entry seq {seq} precedes it; the chain's head is seq {head}")
            if seq > head
            else (
                "checkpoint_out_of_order",
                f"it comes after entry seq {head}; its balances cannot be recomputed",
            )
        )
        self._problems.append(Problem(code, detail, line, seq, None))

    def report(self) -> VerifyReport:
        """The verdict so far; calling it does not change the verifier, so it may be called repeatedly."""
        problems = tuple(self._problems + self._closing_problems())
        return VerifyReport(
            ok=not problems,
            entries_checked=self._entries_checked,
            head_seq=self._head.seq,
            head_hash=self._head.hash,
            problems=problems,
        )

    def _problem(self, code: str, detail: str, at: _Position) -> None:
        self._problems.append(Problem(code, detail, at.line, at.seq, at.entry_id))

    def _check_link(self, sealed: SealedEntry, here: _Position) -> None:
        expected_seq = self._head.seq + 1
        if sealed.seq != expected_seq:
            self._problem("seq_gap", f"expected seq {expected_seq}, found {sealed.seq}", here)
        if sealed.prev_hash != self._head.hash:
            self._problem(
                "prev_hash_mismatch",
                f"prev_hash {_short(sealed.prev_hash)} is not the previous hash {_short(self._head.hash)}",
                here,
            )

    def _check_hash(self, sealed: SealedEntry, here: _Position) -> None:
        recomputed = chain_hash(sealed.prev_hash, sealed.entry, sealed.seq)
        if recomputed != sealed.hash:
            self._problem(
                "hash_mismatch", f"stated hash {_short(sealed.hash)}, recomputed {_short(recomputed)}", here
            )

    def _check_signature(self, signed: SignedCheckpoint, line: int | None) -> None:
        kid, seq = signed.checkpoint.kid, signed.checkpoint.seq
        key = self._keys.get(kid)
        if key is None:
            code, detail = "unknown_kid", f"no public key given for kid {kid}"
        elif key_id(key) != kid:
            code, detail = "kid_mismatch", f"the key given for kid {kid} is named {key_id(key)}"
        elif not signature_valid(signed, key):
            code, detail = "bad_signature", f"signature does not verify with key {kid}"
        else:
            return
        self._problems.append(Problem(code, detail, line, seq, None))

    def _check_position(self, signed: SignedCheckpoint, line: int | None) -> None:
        checkpoint, head = signed.checkpoint, self._head
        at = _Position(seq=head.seq, hash=head.hash, entry_id=head.entry_id, line=line)
        if checkpoint.hash != head.hash:
            self._problem(
                "checkpoint_hash_mismatch",
                f"checkpoint states hash {_short(checkpoint.hash)}, the chain has {_short(head.hash)}",
                at,
            )
        digest = self._balances.digest()
        if checkpoint.balances_digest != digest:
            self._problem(
                "balances_digest_mismatch",
                f"checkpoint states {_short(checkpoint.balances_digest)}, recomputed {_short(digest)}",
                at,
            )
        self._first_unanchored = None

    def _closing_problems(self) -> list[Problem]:
        problems: list[Problem] = []
        if self._checkpoints_seen == 0:
            problems.append(
                Problem("no_checkpoint", "no signed checkpoint anchors the entries", None, None, None)
            )
        elif self._first_unanchored is not None:
            first = self._first_unanchored
            problems.append(
                Problem(
                    "unanchored",
                    f"entries seq {first.seq}..{self._head.seq} are not covered by a checkpoint",
                    first.line,
                    first.seq,
                    first.entry_id,
                )
            )
        off = {
            asset.value: total for asset, total in totals_by_asset(self._balances.snapshot()).items() if total
        }
        if off:
            problems.append(Problem("asset_totals_nonzero", f"balances do not sum to zero: {off}"))
        return problems


def verify_export(lines: Iterable[str | bytes], public_keys: Mapping[str, Ed25519PublicKey]) -> VerifyReport:
    """Verify an NDJSON export given line by line (as from iterating a binary file).

    A line that does not parse is a problem naming its line number and, when readable, its seq and id.
    """
    verifier = ChainVerifier(public_keys)
    for number, text in enumerate(lines, start=1):
        try:
            record = parse_line(text)
        except LedgerError as error:
            seq, entry_id = identify_line(text)
            verifier.add_problem(Problem(error.code, str(error), number, seq, entry_id))
            continue
        if isinstance(record, SealedEntry):
            verifier.add_entry(record, line=number)
        else:
            verifier.add_checkpoint(record, line=number)
    return verifier.report()
