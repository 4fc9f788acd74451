"""The database-backed ledger against a plain Python model, step by random step.

Hypothesis drives the real writer on a real PostgreSQL (a fresh database per run, one asyncio.Runner per
machine) through postings among a handful of accounts, holds placed, posted in part, voided and expired,
reversals, retries with the same idempotency key and body, and with another body; the model predicts every
answer. After every step: each asset sums to zero, each balance is the replay of its postings and equals the
model's (posted and pending), nothing that may not go negative is below zero, retries have written nothing,
and the sealed, signed chain verifies in the service and offline.

`MITAPO_HYPOTHESIS_PROFILE=long` runs many more and longer machines than the quick default.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
import uuid
from collections import Counter
from collections.abc import Awaitable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from tests.conftest import copy_database, drop_database
from tests.integration.ledger_checks import journal_problems, running, seal_sign_and_verify

from mitapo.engine import ledger
from mitapo.engine.commands import (
    AccountSpec,
    Command,
    HoldPlacement,
    HoldResolution,
    Idempotency,
    Leg,
    Outcome,
    Rejected,
    Written,
)
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError
from mitapo.runtime import Runtime

pytestmark = [pytest.mark.db, pytest.mark.slow]

T = TypeVar("T")
Key = tuple[str, str]

ASSETS = ("PT", "JPY")
ISSUANCE = AccountSpec("issuance", "equity", ASSETS, may_go_negative=True)
WALLETS = tuple(AccountSpec(f"wallet:{n}", "liability", ASSETS) for n in range(3))
VAULT = AccountSpec("vault", "asset", ASSETS)  # debit-normal and may not go negative
SPECS = {spec.code: spec for spec in (ISSUANCE, *WALLETS, VAULT)}
SIGN = {code: 1 if spec.kind in ("asset", "expense") else -1 for code, spec in SPECS.items()}
OPENING = 300

PROFILES = {
    "quick": settings(max_examples=15, stateful_step_count=30),
    "long": settings(max_examples=300, stateful_step_count=60),
}
SETTINGS = settings(
    PROFILES[os.environ.get("MITAPO_HYPOTHESIS_PROFILE", "quick")],
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def entry_legs(draw: st.DrawFn) -> tuple[Leg, ...]:
    """A balanced entry: per asset, one to two accounts debited and another credited with their sum."""
    legs: list[Leg] = []
    for asset in draw(st.lists(st.sampled_from(ASSETS), min_size=1, max_size=2, unique=True)):
        *sources, destination = draw(
            st.lists(st.sampled_from(sorted(SPECS)), min_size=2, max_size=3, unique=True)
        )
        amounts = [draw(st.integers(1, 250)) for _ in sources]
        legs += [Leg(s, asset, a) for s, a in zip(sources, amounts, strict=True)]
        legs.append(Leg(destination, asset, -sum(amounts)))
    return tuple(legs)


@dataclass(frozen=True)
class Request:
    """A keyed request as a client would send it again: same key, same body, same hash."""

    key: str
    legs: tuple[Leg, ...]
    memo: str

    @property
    def request_hash(self) -> bytes:
        return hashlib.sha256(repr((self.key, self.legs, self.memo)).encode()).digest()

    def command(self) -> Command:
        """A new command each time, with a new entry id, as a retrying service would build it."""
        key = Idempotency("machine", self.key, self.request_hash)
        return Command(kind="transfer", postings=self.legs, memo=self.memo, idempotency=key)


@dataclass
class ModelHold:
    account: str
    asset: str
    amount: int
    pending: bool = True


@dataclass
class Model:
    """What the ledger should hold, in plain Python."""

    posted: Counter[Key] = field(default_factory=Counter)
    pending: Counter[Key] = field(default_factory=Counter)
    entries: dict[uuid.UUID, tuple[Leg, ...]] = field(default_factory=dict)
    reversed: set[uuid.UUID] = field(default_factory=set)
    keys: dict[str, tuple[bytes, uuid.UUID]] = field(default_factory=dict)
    holds: dict[uuid.UUID, ModelHold] = field(default_factory=dict)

    def allows(self, legs: tuple[Leg, ...], pending: Mapping[Key, int] | None = None) -> bool:
        """Would every touched account that may not go negative keep `normal balance - pending >= 0`?"""
        change, held = _sums(legs), Counter(pending or {})
        return all(
            SPECS[key[0]].may_go_negative
            or SIGN[key[0]] * (self.posted[key] + change[key]) - (self.pending[key] + held[key]) >= 0
            for key in set(change) | set(held)
        )

    def write(self, entry_id: uuid.UUID, legs: tuple[Leg, ...]) -> None:
        self.posted.update(_sums(legs))
        self.entries[entry_id] = legs


def _sums(legs: tuple[Leg, ...]) -> Counter[Key]:
    sums: Counter[Key] = Counter()
    for leg in legs:
        sums[(leg.account, leg.asset)] += leg.amount
    return sums


@dataclass(frozen=True)
class Where:
    server: str
    template: str
    data_dir: Path


class LedgerMachine(RuleBasedStateMachine):
    where: ClassVar[Where]

    def __init__(self) -> None:
        super().__init__()
        self.model = Model()
        self.requests: list[Request] = []
        self.serial = itertools.count()
        self.runner = asyncio.Runner()
        self.stack = AsyncExitStack()
        self.url = self.run(copy_database(self.where.server, self.where.template))
        self.runtime: Runtime = self.run(
            self.stack.enter_async_context(running(self.url, self.where.data_dir))
        )
        self.run(ledger.open_accounts(self.db, *SPECS.values()))
        opening = tuple(Leg(w.code, asset, -OPENING) for w in WALLETS for asset in ASSETS) + tuple(
            Leg(ISSUANCE.code, asset, OPENING * len(WALLETS)) for asset in ASSETS
        )
        self._expect_decided(Command(kind="funding", postings=opening), None)

    def teardown(self) -> None:
        try:
            self.run(self.stack.aclose())
            self.run(drop_database(self.where.server, self.url))
        finally:
            self.runner.close()

    @property
    def db(self) -> Database:
        return self.runtime.db

    def run(self, awaitable: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await awaitable

        return self.runner.run(wrapped())

    def submit(self, command: Command) -> Outcome:
        return self.run(self.db.submit(command))

    def _expect_decided(self, command: Command, request: Request | None) -> None:
        """Submit a command the ledger has not seen; the model says whether it is written or refused."""
        outcome = self.submit(command)
        self._check_decided(command, outcome, request)

    def _check_decided(self, command: Command, outcome: Outcome, request: Request | None) -> None:
        if not self.model.allows(command.postings):
            assert isinstance(outcome, Rejected) and outcome.code == "insufficient_funds", outcome
            return
        assert isinstance(outcome, Written) and not outcome.replayed, outcome
        assert outcome.entry_id == command.entry_id
        self.model.write(command.entry_id, command.postings)
        if request is not None:
            self.model.keys[request.key] = (request.request_hash, command.entry_id)

    def _send(self, request: Request) -> None:
        """A keyed request: decided when its key is new (or was only ever refused), else answered by it."""
        recorded = self.model.keys.get(request.key)
        command = request.command()
        if recorded is None:
            self._expect_decided(command, request)
            return
        outcome = self.submit(command)
        if recorded[0] != request.request_hash:
            assert isinstance(outcome, Rejected) and outcome.code == "idempotency_mismatch", outcome
            return
        assert isinstance(outcome, Written) and outcome.replayed and outcome.entry_id == recorded[1], outcome

    def _new_request(self, legs: tuple[Leg, ...], key: str | None = None) -> Request:
        serial = next(self.serial)
        request = Request(key=key or f"key-{serial}", legs=legs, memo=f"request {serial}")
        self.requests.append(request)
        return request

    @rule(legs=entry_legs(), keyed=st.booleans())
    def post(self, legs: tuple[Leg, ...], keyed: bool) -> None:
        if keyed:
            self._send(self._new_request(legs))
        else:
            self._expect_decided(Command(kind="transfer", postings=legs), None)

    @precondition(lambda self: self.requests)
    @rule(data=st.data())
    def retry_same_body(self, data: st.DataObject) -> None:
        self._send(data.draw(st.sampled_from(self.requests)))

    @precondition(lambda self: self.requests)
    @rule(data=st.data(), legs=entry_legs())
    def retry_other_body(self, data: st.DataObject, legs: tuple[Leg, ...]) -> None:
        self._send(self._new_request(legs, key=data.draw(st.sampled_from(self.requests)).key))

    @rule(legs=entry_legs())
    def same_request_twice_at_once(self, legs: tuple[Leg, ...]) -> None:
        request = self._new_request(legs)
        first, second = request.command(), request.command()
        outcomes = self.run(asyncio.gather(self.db.submit(first), self.db.submit(second)))
        if not self.model.allows(legs):
            assert [getattr(o, "code", None) for o in outcomes] == ["insufficient_funds"] * 2, outcomes
            return
        self._check_decided(first, outcomes[0], request)
        replay = outcomes[1]
        assert isinstance(replay, Written) and replay.replayed and replay.entry_id == first.entry_id, outcomes

    @rule(wallet=st.sampled_from(WALLETS), asset=st.sampled_from(ASSETS), amount=st.integers(1, 400))
    def place_hold(self, wallet: AccountSpec, asset: str, amount: int) -> None:
        hold_id = uuid.uuid4()
        expires_at = datetime.now(UTC) + timedelta(hours=1)
        placement = HoldPlacement(hold_id, wallet.code, asset, amount, expires_at)
        outcome = self.submit(Command(kind=None, holds=(placement,)))
        if not self.model.allows((), {(wallet.code, asset): amount}):
            assert isinstance(outcome, Rejected) and outcome.code == "insufficient_funds", outcome
            return
        assert isinstance(outcome, Written) and outcome.entry_id is None, outcome
        self.model.holds[hold_id] = ModelHold(wallet.code, asset, amount)
        self.model.pending[(wallet.code, asset)] += amount

    def _release(self, hold_id: uuid.UUID) -> None:
        hold = self.model.holds[hold_id]
        hold.pending = False
        self.model.pending[(hold.account, hold.asset)] -= hold.amount

    @precondition(lambda self: self.model.holds)
    @rule(data=st.data(), percent=st.integers(1, 100))
    def post_hold(self, data: st.DataObject, percent: int) -> None:
        """Post a hold in whole or in part to another account; the rest is released."""
        hold_id = data.draw(st.sampled_from(list(self.model.holds)))
        hold = self.model.holds[hold_id]
        destination = data.draw(st.sampled_from(sorted(set(SPECS) - {hold.account})))
        part = max(1, hold.amount * percent // 100)
        legs = (Leg(hold.account, hold.asset, part), Leg(destination, hold.asset, -part))
        command = Command(kind="payment", postings=legs, resolve_holds=(HoldResolution(hold_id, "posted"),))
        outcome = self.submit(command)
        if not hold.pending:
            assert isinstance(outcome, Rejected) and outcome.code == "hold_not_pending", outcome
            return
        if not self.model.allows(legs, {(hold.account, hold.asset): -hold.amount}):  # the destination's side
            assert isinstance(outcome, Rejected) and outcome.code == "insufficient_funds", outcome
            return
        assert isinstance(outcome, Written) and outcome.entry_id == command.entry_id, outcome
        self.model.write(command.entry_id, legs)
        self._release(hold_id)

    @precondition(lambda self: self.model.holds)
    @rule(data=st.data(), status=st.sampled_from(("voided", "expired")))
    def void_or_expire_hold(self, data: st.DataObject, status: str) -> None:
        hold_id = data.draw(st.sampled_from(list(self.model.holds)))
        outcome = self.submit(Command(kind=None, resolve_holds=(HoldResolution(hold_id, status),)))
        if not self.model.holds[hold_id].pending:
            assert isinstance(outcome, Rejected) and outcome.code == "hold_not_pending", outcome
            return
        assert isinstance(outcome, Written) and outcome.entry_id is None, outcome
        self._release(hold_id)

    def _reversal(self, entry_id: uuid.UUID) -> Written | str:
        """The reversal written, or the code it was refused with."""
        try:
            return self.run(ledger.reverse(self.db, str(entry_id), "a mistake"))
        except DomainError as refusal:
            return refusal.code

    @precondition(lambda self: self.model.entries)
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        entry_id = data.draw(st.sampled_from(list(self.model.entries)))
        mirror = tuple(Leg(leg.account, leg.asset, -leg.amount) for leg in self.model.entries[entry_id])
        answer = self._reversal(entry_id)
        if entry_id in self.model.reversed:
            assert answer == "already_reversed", answer
        elif not self.model.allows(mirror):
            assert answer == "insufficient_funds", answer
        else:
            assert isinstance(answer, Written) and answer.entry_id is not None, answer
            self.model.write(answer.entry_id, mirror)
            self.model.reversed.add(entry_id)

    @invariant()
    def balances_are_the_model(self) -> None:
        async def read() -> dict[Key, tuple[int, int]]:
            async with self.db.raw() as conn:
                rows = await conn.fetch("SELECT account, asset, posted, pending FROM balances")
            return {(r["account"], r["asset"]): (r["posted"], r["pending"]) for r in rows}

        expected = {
            (code, asset): (self.model.posted[(code, asset)], self.model.pending[(code, asset)])
            for code in SPECS
            for asset in ASSETS
        }
        assert self.run(read()) == expected

    @invariant()
    def journal_is_sound(self) -> None:
        assert self.run(journal_problems(self.db)) == []

    @invariant()
    def every_write_happened_once(self) -> None:
        async def count() -> tuple[int, ...]:
            async with self.db.raw() as conn:
                row = await conn.fetchrow(
                    "SELECT (SELECT count(*) FROM entries), (SELECT count(*) FROM idempotency_keys), "
                    "(SELECT count(*) FROM spent_tokens), (SELECT count(*) FROM holds)"
                )
            return tuple(row)

        model = self.model
        assert self.run(count()) == (
            len(model.entries),
            len(model.keys),
            len(model.reversed),
            len(model.holds),
        )

    @invariant()
    def chain_verifies(self) -> None:
        self.run(seal_sign_and_verify(self.runtime))


def test_ledger_against_its_model(pg_server: str, template_database: str, tmp_path: Path) -> None:
    bound = type(
        "LedgerMachineHere", (LedgerMachine,), {"where": Where(pg_server, template_database, tmp_path)}
    )
    run_state_machine_as_test(bound, settings=SETTINGS)
