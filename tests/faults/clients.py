"""The bank run's clients, as real ones behave: each operation gets one Idempotency-Key and is sent until it
has an answer, again with that same key after a lost connection, a timeout or a 5xx, backing off up to a
patience; then it is recorded as `ok` (2xx), `fail` (a 4xx refusal: nothing may have been written) or
`unknown` (no answer: written at most once). A reader meanwhile takes the trial balance over and over."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.faults.town import Party, Town

KINDS = ("topup", "payment", "refund", "gift", "checkin")
WEIGHTS = (1, 4, 1, 2, 2)
REQUEST_TIMEOUT = 10.0
FIRST_BACKOFF = 0.05
LAST_BACKOFF = 1.0


@dataclass
class Op:
    """One operation's history: invoked, completed, and how it ended."""

    kind: str
    scope: str  # whose Idempotency-Key it is: the caller's principal id
    key: str
    invoked: float
    completed: float = 0.0
    outcome: str = "unknown"
    status: int | None = None
    code: str | None = None
    entry_id: str | None = None
    attempts: int = 0


@dataclass
class History:
    ops: list[Op] = field(default_factory=list)
    paid: list[tuple[int, str, int]] = field(default_factory=list)  # (shop index, payment id, amount)
    lost_answers: int = 0  # attempts that got no answer or a 5xx and were sent again

    def outcomes(self) -> Counter[tuple[str, str]]:
        return Counter((op.kind, op.outcome) for op in self.ops)


@dataclass
class Read:
    at: float
    consistent: bool
    detail: str = ""


class Client:
    def __init__(
        self, http: httpx.AsyncClient, town: Town, history: History, rng: random.Random, patience: float
    ) -> None:
        self.http = http
        self.town = town
        self.history = history
        self.rng = rng
        self.patience = patience
        self.loop = asyncio.get_running_loop()

    async def run_until(self, deadline: float) -> None:
        while self.loop.time() < deadline:
            kind = self.rng.choices(KINDS, WEIGHTS)[0]
            await getattr(self, kind)()

    async def topup(self) -> None:
        resident = self.rng.choice(self.town.residents)
        body = {
            "resident_id": resident.id,
            "amount": self.rng.randint(500, 5_000),
            "channel": "bank",
            "external_ref": uuid.uuid4().hex,
        }
        await self.write("topup", self.town.admin, "/v1/topups", body)

    async def payment(self) -> None:
        index = self.rng.randrange(len(self.town.shops))
        amount = self.rng.randint(100, 2_000)
        funding = self.rng.choice(("points_first", "money_only"))  # some keep their points for gifts
        body = {"qr_payload": self.town.shops[index].qr_payload, "amount": amount, "funding": funding}
        answer = await self.write("payment", self.rng.choice(self.town.residents), "/v1/payments", body)
        if answer is not None and answer.status_code == 201:
            self.history.paid.append((index, answer.json()["id"], amount))

    async def refund(self) -> None:
        if not self.history.paid:
            return await self.payment()
        index, payment_id, amount = self.rng.choice(self.history.paid)
        shop = self.town.shops[index]
        body = {"amount": self.rng.randint(1, amount)}
        await self.write("refund", Party(shop.id, shop.secret), f"/v1/payments/{payment_id}/refunds", body)
        return None

    async def gift(self) -> None:
        giver, taker = self.rng.sample(self.town.residents, 2)
        body = {"to_resident_id": taker.id, "points": self.rng.randint(1, 30)}
        await self.write("gift", giver, "/v1/gifts", body)

    async def checkin(self) -> None:
        event = self.rng.choice(self.town.events)
        code = await self.send("GET", f"/v1/events/{event}/checkin-code", self.town.organizer.secret)
        if code is None or code.status_code != 200:
            return  # the organizer's screen showed nothing: no one scanned
        body = {"payload": code.json()["payload"]}
        await self.write("checkin", self.rng.choice(self.town.residents), "/v1/checkins", body)

    async def write(self, kind: str, caller: Party, path: str, body: dict[str, Any]) -> httpx.Response | None:
        op = Op(kind, caller.id, uuid.uuid4().hex, self.loop.time())
        self.history.ops.append(op)
        answer = await self.send("POST", path, caller.secret, body, op)
        op.completed = self.loop.time()
        if answer is not None:
            op.status = answer.status_code
            result = answer.json()
            if answer.status_code < 300:
                op.outcome, op.entry_id = "ok", result.get("entry_id")
            else:
                op.outcome, op.code = "fail", result.get("code")
        return answer

    async def send(
        self, method: str, path: str, secret: str, body: Any = None, op: Op | None = None
    ) -> httpx.Response | None:
        """Until an answer below 500 or out of patience (None): the same request, the same key."""
        headers = {"Authorization": f"Bearer {secret}"}
        if op is not None:
            headers["Idempotency-Key"] = op.key
        give_up = self.loop.time() + self.patience
        backoff = FIRST_BACKOFF
        while True:
            if op is not None:
                op.attempts += 1
            try:
                answer = await self.http.request(
                    method, path, json=body, headers=headers, timeout=REQUEST_TIMEOUT
                )
                if answer.status_code < 500:
                    return answer
            except httpx.TransportError:
                pass
            self.history.lost_answers += 1
            if self.loop.time() + backoff > give_up:
                return None
            await asyncio.sleep(backoff * (0.5 + self.rng.random()))  # a real client's jittered backoff
            backoff = min(backoff * 2, LAST_BACKOFF)


async def read_balances(http: httpx.AsyncClient, auditor: Party, deadline: float, reads: list[Read]) -> None:
    """The auditor's trial balance, again and again: every answer must balance per asset."""
    loop = asyncio.get_running_loop()
    headers = {"Authorization": f"Bearer {auditor.secret}"}
    while loop.time() < deadline:
        try:
            answer = await http.get("/v1/audit/trial-balance", headers=headers, timeout=REQUEST_TIMEOUT)
        except httpx.TransportError:
            continue
        if answer.status_code == 200:
            reads.append(_judge(loop.time(), answer.json()))
        else:
            await asyncio.sleep(FIRST_BACKOFF)  # the service is down: ask again shortly


def _judge(at: float, balance: dict[str, Any]) -> Read:
    totals: Counter[str] = Counter()
    for account in balance["accounts"]:
        totals[account["asset"]] += account["balance"]
    unbalanced = [
        f"{asset}: debits {sides['debits']} credits {sides['credits']} sum {totals[asset]}"
        for asset, sides in balance["assets"].items()
        if sides["debits"] != sides["credits"] or totals[asset] != 0
    ]
    return Read(at, not unbalanced, "; ".join(unbalanced))
