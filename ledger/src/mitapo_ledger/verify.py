"""The verifier: re-derive everything a journal claims, and report every disagreement as a ``Problem``.

``ChainVerifier`` knows nothing of files: the offline CLI feeds it parsed export lines, and the service's
audit feeds it entries read from its database. It never raises on bad data; it collects problems, as an
auditor would, so one run names every broken line rather than the first.

A checkpoint must be added right after the entry at its seq (before the next entry): only then can the
balances it states be recomputed without keeping history. One added earlier is ``checkpoint_beyond_head``,
one added later ``checkpoint_out_of_order``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mitapo_ledger.balances import RunningBalances, balances_digest, totals_by_asset
from mitapo_ledger.canonical import canonical_bytes
from mitapo_ledger.chain import GENESIS_HASH
from mitapo_ledger.checkpoints import SignedCheckpoint, key_id, public_key_b64, signature_valid
from mitapo_ledger.cosignatures import Cosignature, cosignature_valid
from mitapo_ledger.entries import SealedEntry
from mitapo_ledger.errors import LedgerError
from mitapo_ledger.export import entry_canonical_bytes, line_body, parse_line, stated_link
from mitapo_ledger.starts import Start


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
    """The outcome: ``ok`` exactly when ``problems`` is empty.

    ``newest_checkpoint`` is the last checkpoint read (the one an auditor keeps for ``--since``), ``cosigned``
    the witnesses whose cosignature verified with a given witness key, each with the newest seq it cosigned.
    """

    ok: bool
    entries_checked: int
    head_seq: int
    head_hash: bytes
    problems: tuple[Problem, ...]
    newest_checkpoint: SignedCheckpoint | None = None
    cosigned: tuple[tuple[str, int], ...] = ()
    start_seq: int = 0


@dataclass(frozen=True, slots=True)
class _Position:
    """Where an entry sits, for naming it in problems."""

    seq: int
    hash: bytes
    entry_id: str | None
    line: int | None


_START = _Position(seq=0, hash=GENESIS_HASH, entry_id=None, line=None)
_EMPTY_DIGEST = balances_digest({})


def _short(digest: bytes) -> str:
    return digest.hex()[:16] + "…"


class ChainVerifier:
    """Checks sealed entries and signed checkpoints as they arrive, in seq order.

    With ``since`` (a checkpoint the auditor kept from an earlier export), the chain must pass through its
    seq with its hash and balances: otherwise the export does not extend what the auditor saw
    (``not_an_extension``). With ``witnesses``, some checkpoint must carry a cosignature by each of them.
    One edit is one root-cause problem first: what follows from it (the next entry's link, a digest) is
    not reported again, or is marked as following from it.
    """

    def __init__(
        self,
        public_keys: Mapping[str, Ed25519PublicKey],
        *,
        since: SignedCheckpoint | None = None,
        witnesses: Mapping[str, Ed25519PublicKey] | None = None,
        unique_ids: bool = True,
    ) -> None:
        """``unique_ids=False`` leaves the ids' uniqueness to the caller: the service's database has them as a
        primary key, and remembering every id of a long journal costs memory in proportion to it."""
        self._keys = dict(public_keys)
        self._unique_ids = unique_ids
        self._witnesses = dict(witnesses or {})
        self._balances = RunningBalances()
        self._problems: list[Problem] = []
        self._entries_checked = 0
        self._head = _START
        self._checkpoints_seen = 0
        self._first_unanchored: _Position | None = None
        self._last_record = ""
        self._last_checkpoint: SignedCheckpoint | None = None
        self._last_checkpoint_sound = False
        self._cosigned: dict[str, int] = {}
        self._ids: dict[str, int] = {}
        self._recomputed_head: bytes | None = None  # the head entry's true hash when its stated one is wrong
        self._balances_unknown_after: int | None = None
        self._root_seq: int | None = None
        self._start_seq = 0
        self._since = since
        self._since_checked = since is None
        if since is not None:
            self._check_signature(since, None, "the checkpoint kept from before (--since): ")
            self._reached(0, GENESIS_HASH)

    def add_problem(self, problem: Problem) -> None:
        """Record a failure found outside the verifier, such as a line or a row that could not be read."""
        self._problems.append(problem)

    def add_unreadable(self, problem: Problem, stated_hash: bytes | None) -> None:
        """An entry line that could not be read: the next entry links to the hash it states, and the balances
        are unknown from here, so the one broken line is the one problem reported."""
        self._problems.append(problem)
        self._last_record = "entry"
        if problem.seq is None or stated_hash is None:
            return
        self._root(problem.seq)
        self._head = _Position(problem.seq, stated_hash, problem.entry_id, problem.line)
        self._recomputed_head = None
        if self._balances_unknown_after is None:
            self._balances_unknown_after = problem.seq - 1
        if self._first_unanchored is None:
            self._first_unanchored = self._head

    def add_start(self, start: Start, line: int | None = None) -> None:
        """The first line of an export since an earlier checkpoint: the head and balances it continues."""
        if self._last_record:
            self._problems.append(
                Problem("start_out_of_place", "a start line may only be the first line", line, start.seq)
            )
            return
        self._last_record = "start"
        self._head = _Position(start.seq, start.hash, None, line)
        self._balances = RunningBalances(start.as_balances)
        self._start_seq = start.seq
        self._first_unanchored = self._head
        since = self._since
        if since is not None and not self._since_checked and start.seq > since.checkpoint.seq:
            self._since_checked = True
            detail = (
                f"the export starts at seq {start.seq}, after the checkpoint kept from before (seq "
                f"{since.checkpoint.seq}): it cannot show that it extends it; ask for one since that seq"
            )
            self._problems.append(Problem("not_an_extension", detail, line, start.seq))
        self._reached(start.seq, start.hash)

    def add_entry(self, sealed: SealedEntry, line: int | None = None, canonical: bytes | None = None) -> None:
        """Check ``sealed`` against its predecessor and its own hash, then apply it to the balances.

        ``canonical``: its ``canonical_bytes``, when the caller has them (cut from its export line)."""
        self._last_record = "entry"
        here = _Position(seq=sealed.seq, hash=sealed.hash, entry_id=sealed.entry.id, line=line)
        try:
            self._check_chain(sealed, here, canonical or canonical_bytes(sealed.entry, sealed.seq))
        except LedgerError as error:  # unreachable for well-formed values; kept so audits never crash
            self._problem(error.code, str(error), here)
        self._check_unique(sealed, here)
        self._balances.apply(sealed.entry)
        self._entries_checked += 1
        self._head = here
        if self._first_unanchored is None:
            self._first_unanchored = here
        self._reached(sealed.seq, sealed.hash)

    def add_checkpoint(self, signed: SignedCheckpoint, line: int | None = None) -> None:
        """Check the signature, then that the checkpoint states the head and balances right after its seq."""
        self._last_record = "checkpoint"
        self._checkpoints_seen += 1
        before = len(self._problems)
        self._check_signature(signed, line)
        seq, head = signed.checkpoint.seq, self._head.seq
        if seq == head:
            self._check_position(signed, line)
        else:
            code, detail = (
                ("checkpoint_beyond_head", f"no entry seq {seq} precedes it; the chain's head is seq {head}")
                if seq > head
                else (
                    "checkpoint_out_of_order",
                    f"it comes after entry seq {head}; its balances cannot be recomputed",
                )
            )
            self._problems.append(Problem(code, detail, line, seq, None))
        self._last_checkpoint = signed
        self._last_checkpoint_sound = len(self._problems) == before

    def add_cosignature(self, cosignature: Cosignature, line: int | None = None) -> None:
        """A witness's cosignature of the checkpoint right before it; checked when its key was given."""
        last = self._last_checkpoint
        placed = self._last_record in {"checkpoint", "cosignature"} and last is not None
        self._last_record = "cosignature"
        if (
            not placed
            or last is None
            or (cosignature.seq, cosignature.hash)
            != (
                last.checkpoint.seq,
                last.checkpoint.hash,
            )
        ):
            detail = "a cosignature stands right after the checkpoint it cosigns (same seq and hash)"
            self._problems.append(Problem("cosignature_out_of_place", detail, line, cosignature.seq))
            return
        key = self._witnesses.get(cosignature.witness)
        if key is None:
            return
        if not cosignature_valid(cosignature, last.checkpoint, key):
            detail = (
                f"the cosignature does not match the given witness key {cosignature.witness} "
                f"({public_key_b64(key)})"
            )
            self._problems.append(Problem("bad_cosignature", detail, line, cosignature.seq))
        elif self._last_checkpoint_sound:
            self._cosigned[cosignature.witness] = cosignature.seq

    def report(self) -> VerifyReport:
        """The verdict so far; calling it does not change the verifier, so it may be called repeatedly."""
        problems = tuple(self._problems + self._closing_problems())
        return VerifyReport(
            ok=not problems,
            entries_checked=self._entries_checked,
            head_seq=self._head.seq,
            head_hash=self._head.hash,
            problems=problems,
            newest_checkpoint=self._last_checkpoint,
            cosigned=tuple(sorted(self._cosigned.items())),
            start_seq=self._start_seq,
        )

    def _problem(self, code: str, detail: str, at: _Position) -> None:
        self._problems.append(Problem(code, detail, at.line, at.seq, at.entry_id))

    def _root(self, seq: int) -> None:
        if self._root_seq is None:
            self._root_seq = seq

    def _following(self) -> str:
        return "" if self._root_seq is None else f" (follows from the problem at seq {self._root_seq})"

    def _check_chain(self, sealed: SealedEntry, here: _Position, canonical: bytes) -> None:
        """The link to the previous entry and the entry's own hash, reporting the cause of a break only."""
        head = self._head
        expected_seq = head.seq + 1
        gap = sealed.seq != expected_seq
        if gap:
            missing = (
                f"entries seq {expected_seq}..{sealed.seq - 1} are missing"
                if sealed.seq > expected_seq
                else "it is out of order"
            )
            self._problem("seq_gap", f"expected seq {expected_seq}, found {sealed.seq}: {missing}", here)
            self._root(sealed.seq)
        linked = sealed.prev_hash == head.hash or sealed.prev_hash == self._recomputed_head
        recomputed = hashlib.sha256(sealed.prev_hash + canonical).digest()
        self._recomputed_head = None
        if not linked and not gap:
            self._problem(
                "prev_hash_mismatch",
                f"prev_hash {_short(sealed.prev_hash)} is not the previous hash {_short(head.hash)}",
                here,
            )
            self._root(sealed.seq)
            if hashlib.sha256(head.hash + canonical).digest() == sealed.hash:
                return  # only the prev_hash field was changed: that is the whole story
        if recomputed != sealed.hash:
            self._problem(
                "hash_mismatch", f"stated hash {_short(sealed.hash)}, recomputed {_short(recomputed)}", here
            )
            self._root(sealed.seq)
            self._recomputed_head = recomputed

    def _check_unique(self, sealed: SealedEntry, here: _Position) -> None:
        if not self._unique_ids:
            return
        first = self._ids.setdefault(sealed.entry.id, sealed.seq)
        if first != sealed.seq:
            self._problem("duplicate_entry_id", f"entry id already used by seq {first}", here)

    def _check_signature(self, signed: SignedCheckpoint, line: int | None, what: str = "") -> None:
        kid, seq = signed.checkpoint.kid, signed.checkpoint.seq
        key = self._keys.get(kid)
        if key is None:
            given = ", ".join(f"{k} ({public_key_b64(v)})" for k, v in sorted(self._keys.items()))
            code, detail = (
                "unknown_kid",
                f"{what}the signature does not match the given key {given or '(none)'}: it names key {kid}",
            )
        elif key_id(key) != kid:
            code, detail = "kid_mismatch", f"{what}the key given for kid {kid} is named {key_id(key)}"
        elif not signature_valid(signed, key):
            code, detail = (
                "bad_signature",
                f"{what}the signature does not match the given key {kid} ({public_key_b64(key)})",
            )
        else:
            return
        self._problems.append(Problem(code, detail, line, seq, None))

    def _check_position(self, signed: SignedCheckpoint, line: int | None) -> None:
        checkpoint, head = signed.checkpoint, self._head
        at = _Position(seq=head.seq, hash=head.hash, entry_id=head.entry_id, line=line)
        if checkpoint.hash != head.hash:
            self._problem(
                "checkpoint_hash_mismatch",
                f"checkpoint states hash {_short(checkpoint.hash)}, the chain has {_short(head.hash)}"
                + self._following(),
                at,
            )
        if self._balances_unknown_after is None:
            digest = self._balances.digest()
            if checkpoint.balances_digest != digest:
                self._problem(
                    "balances_digest_mismatch",
                    f"checkpoint states {_short(checkpoint.balances_digest)}, recomputed {_short(digest)}"
                    + self._following(),
                    at,
                )
        self._first_unanchored = None

    def _reached(self, seq: int, head_hash: bytes) -> None:
        """At the kept checkpoint's seq, the chain must state its hash and balances."""
        since = self._since
        if since is None or self._since_checked or seq != since.checkpoint.seq:
            return
        self._since_checked = True
        kept = since.checkpoint
        if head_hash != kept.hash:
            detail = (
                f"at seq {seq} the export has hash {_short(head_hash)}, the checkpoint kept from before "
                f"states {_short(kept.hash)}: history up to it was rewritten"
            )
        elif self._balances_unknown_after is None and self._balances.digest() != kept.balances_digest:
            detail = f"at seq {seq} the balances differ from those the checkpoint kept from before states"
        else:
            return
        self._problems.append(Problem("not_an_extension", detail, None, seq, None))

    def _closing_problems(self) -> list[Problem]:
        problems: list[Problem] = []
        since = self._since
        if since is not None and not self._since_checked:
            detail = (
                f"the export ends at seq {self._head.seq}, before the checkpoint kept from before (seq "
                f"{since.checkpoint.seq}): it rolls history back"
            )
            problems.append(Problem("not_an_extension", detail))
        if self._checkpoints_seen == 0:
            problems.append(
                Problem("no_checkpoint", "no signed checkpoint anchors the entries", None, None, None)
            )
        elif self._first_unanchored is not None:
            first = self._first_unanchored
            what = (
                f"entries seq {first.seq}..{self._head.seq} are not covered by a checkpoint"
                if first.entry_id is not None or first.seq != self._start_seq
                else f"the start at seq {first.seq} is not vouched for by a checkpoint at seq {first.seq}"
            )
            problems.append(Problem("unanchored", what, first.line, first.seq, first.entry_id))
        problems += [
            Problem(
                "not_cosigned",
                f"no checkpoint in the export is cosigned by witness {kid} ({public_key_b64(key)})",
            )
            for kid, key in sorted(self._witnesses.items())
            if kid not in self._cosigned
        ]
        off = {
            asset.value: total for asset, total in totals_by_asset(self._balances.snapshot()).items() if total
        }
        if off and self._balances_unknown_after is None:
            problems.append(Problem("asset_totals_nonzero", f"balances do not sum to zero: {off}"))
        return problems


def verify_export(
    lines: Iterable[str | bytes],
    public_keys: Mapping[str, Ed25519PublicKey],
    *,
    since: SignedCheckpoint | None = None,
    witnesses: Mapping[str, Ed25519PublicKey] | None = None,
) -> VerifyReport:
    """Verify an NDJSON export given line by line (as from iterating a binary file).

    A line that does not parse is a problem naming its line number and, when readable, its seq and id.
    """
    verifier = ChainVerifier(public_keys, since=since, witnesses=witnesses)
    for number, text in enumerate(lines, start=1):
        try:
            record = parse_line(text)
        except LedgerError as error:
            seq, entry_id, stated = stated_link(text)
            verifier.add_unreadable(Problem(error.code, str(error), number, seq, entry_id), stated)
            continue
        if isinstance(record, SealedEntry):
            verifier.add_entry(record, line=number, canonical=entry_canonical_bytes(line_body(text)))
        elif isinstance(record, SignedCheckpoint):
            verifier.add_checkpoint(record, line=number)
        elif isinstance(record, Start):
            verifier.add_start(record, line=number)
        else:
            verifier.add_cosignature(record, line=number)
    return verifier.report()
