"""`engine.wire`: commands cross to the writer's process as the same values, closures and tables included,
and frames split or joined anyhow by the socket come out whole and in order."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import uuid
from datetime import UTC, datetime

from mitapo.engine import remote_writer, wire
from mitapo.engine.catalog import Code
from mitapo.engine.commands import ENTRY_ID, Command, Decided, Idempotency, Leg, Outcome, Refusal, Row
from mitapo.engine.decide import WriteError
from mitapo.engine.errors import DomainError
from mitapo.payments import tables

HANG_GUARD = 30.0  # seconds; only ever reached when the test fails


def _command(amount: int) -> Command:
    entry_id = uuid.uuid4()
    fee = {"rate": 3}

    def result(decided: Decided) -> dict[str, object]:  # a closure over two cells
        return {"entry": str(entry_id), "fee": amount * fee["rate"], "postings": len(decided.postings)}

    return Command(
        kind="payment",
        entry_id=entry_id,
        postings=(Leg("a", "PT", amount), Leg("b", "PT", -amount)),
        rows=(Row(tables.payments, {"id": "pay_1", "amount": amount, "entry_id": ENTRY_ID}),),
        idempotency=Idempotency("res_1", "key-1", b"hash"),
        result=result,
        plan=lambda view: view,  # a lambda, carried by value
    )


def test_a_command_with_closures_and_rows_arrives_as_the_same_value() -> None:
    sent = _command(120)
    buffer = bytearray(wire.frame([(7, sent)]))
    [(number, got)] = wire.unframe(buffer)
    assert number == 7 and buffer == bytearray()
    assert got.rows[0].table is tables.payments  # the very table, looked up by name
    assert got.rows[0].values["entry_id"] is ENTRY_ID  # the placeholder the writer knows by its identity
    assert (got.postings, got.idempotency, got.entry_id) == (sent.postings, sent.idempotency, sent.entry_id)
    decided = Decided(sent.entry_id, datetime.now(UTC), sent.postings, {})
    assert got.result is not None and sent.result is not None
    assert (
        got.result(decided)
        == sent.result(decided)
        == {"entry": str(sent.entry_id), "fee": 360, "postings": 2}
    )
    assert got.plan is not None and got.plan("view") == "view"


def test_a_refusal_held_by_a_closure_arrives_with_its_code_and_detail() -> None:
    refused = DomainError("code_used", "already used: code_used")
    also = Refusal("insufficient_funds", "300 asked, not enough points and money to pay it")

    def plan(_: object) -> tuple[DomainError, Refusal]:
        return refused, also

    [(_, got)] = wire.unframe(bytearray(wire.frame([(0, Command(kind=None, plan=plan))])))  # type: ignore[arg-type]
    domain, refusal = got.plan(None)
    assert (type(domain), domain.code, domain.detail, domain.args) == (
        DomainError,
        Code.CODE_USED,
        "already used: code_used",
        ("already used: code_used",),
    )
    assert (type(refusal), refusal.code, refusal.detail) == (Refusal, also.code, also.detail)


def test_frames_cut_and_joined_anyhow_come_out_whole_and_in_order() -> None:
    stream = b"".join(wire.frame([(n, _command(n)) for n in range(k, k + 3)]) for k in (0, 3, 6))
    buffer, received = bytearray(), []
    for cut in range(0, len(stream), 37):  # a socket's reads end anywhere
        buffer += stream[cut : cut + 37]
        received += wire.unframe(buffer)
    assert [number for number, _ in received] == list(range(9))
    assert [c.postings[0].amount for _, c in received] == list(range(9)) and not buffer


def test_a_command_that_cannot_cross_fails_alone_and_the_others_of_its_frame_go() -> None:
    async def scenario() -> tuple[BaseException | None, list[int]]:
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair()
        client = remote_writer._Client(loop.create_future())
        await loop.create_connection(lambda: client, sock=ours)
        stuck: asyncio.Future[Outcome] = loop.create_future()
        fine: asyncio.Future[Outcome] = loop.create_future()
        client.waiting.update({1: stuck, 2: fine})
        client.send((1, Command(kind="payment", meta={"a lock": threading.Lock()})))  # pickle refuses a lock
        client.send((2, _command(5)))
        with contextlib.suppress(WriteError):
            await asyncio.wait_for(stuck, HANG_GUARD)
        theirs.setblocking(False)
        received = bytearray(await loop.sock_recv(theirs, 65536))
        fine.cancel()  # no writer answers here
        if client.transport is not None:
            client.transport.close()
        theirs.close()
        return stuck.exception(), [number for number, _ in wire.unframe(received)]

    error, sent = asyncio.run(scenario())
    assert isinstance(error, WriteError)
    assert sent == [2]
