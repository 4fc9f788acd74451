"""What the transit tests share: operators and routes, riders with points and money, pay codes issued at a
chosen moment (a reader uploads taps late), and moments inside one service day."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mitapo.engine import clock
from mitapo.payments import paycodes
from mitapo.transit import fares, readers
from tests.api.conftest import Api
from tests.api.payments_support import give_money, give_points, in_days

FAR_APART = timedelta(hours=2)


def one_service_day(now: datetime) -> datetime:
    """A moment from which the next 11 hours lie in one service day, all in the last 24 hours (uploadable)."""
    earliest = now - timedelta(hours=23, minutes=50)
    _, boundary = fares.day_bounds(fares.service_day(earliest))
    start = earliest if boundary - earliest >= timedelta(hours=11, minutes=55) else boundary
    return start + timedelta(minutes=1)


class Transit:
    """An admin's view of the town's transit, and a reader's."""

    def __init__(self, api: Api, admin: str) -> None:
        self.api = api
        self.admin = admin
        self.readers: dict[str, tuple[str, Ed25519PrivateKey]] = {}  # operator's key → its reader

    def reader(self, operator_key: str) -> tuple[str, Ed25519PrivateKey]:
        """The operator's reader on the bus, registered once with its own key."""
        if operator_key not in self.readers:
            key = Ed25519PrivateKey.generate()
            public = base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
            body = {"public_key": public.decode(), "name": "bus 7 reader"}
            created = self.api.post("/v1/transit/readers", operator_key, body, key=None)
            assert created.status_code == 201, created.text
            self.readers[operator_key] = (created.json()["id"], key)
        return self.readers[operator_key]

    def signed(self, operator_key: str, body: dict[str, Any]) -> dict[str, Any]:
        """The tap as the operator's reader signed it when it read the code."""
        reader_id, key = self.reader(operator_key)
        at = datetime.fromisoformat(body["tapped_at"])
        signature = key.sign(readers.record(reader_id, body["route"], at, body["pay_code"]))
        return {**body, "reader_id": reader_id, "signature": base64.b64encode(signature).decode()}

    def operator(self, name: str = "みたかシティバス") -> tuple[str, str]:
        created = self.api.post("/v1/transit/operators", self.admin, {"name": name}, key=None)
        assert created.status_code == 201, created.text
        return created.json()["id"], created.json()["api_key"]

    def route(self, operator_id: str, code: str, kind: str = "bus", **fields: Any) -> str:
        body = {"operator_id": operator_id, "code": code, "name": f"line {code}", "kind": kind, **fields}
        created = self.api.post("/v1/transit/routes", self.admin, body, key=None)
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    def rider(self, category: str = "adult", *, points: int = 0, money: int = 0) -> tuple[str, str]:
        created = self.api.post(
            "/v1/residents", self.admin, {"name": "三鷹 次郎", "fare_category": category}, key=None
        )
        assert created.status_code == 201, created.text
        resident_id, secret = created.json()["id"], created.json()["token"]
        if points:
            give_points(self.api, resident_id, points, in_days(30))
        if money:
            give_money(self.api, resident_id, money)
        return resident_id, secret

    def code(self, resident_id: str, at: datetime | None = None, funding: str = "points_first") -> str:
        """The resident's pay code as their phone showed it at `at`."""
        runtime = self.api.runtime
        issued = paycodes.issue(
            runtime.keys,
            resident_id,
            at or clock.now(),
            runtime.settings.pay_code_seconds,
            funding,  # type: ignore[arg-type]
        )
        return str(issued["payload"])

    def tap(
        self, operator_key: str, route: str, resident_id: str, at: datetime | None = None, **kw: Any
    ) -> Any:
        """A tap at `at` (uploaded late, signed by the reader) or now (unsigned, as online readers send)."""
        body: dict[str, Any] = {"pay_code": self.code(resident_id, at), "route": route}
        if at is not None:
            body = self.signed(operator_key, {**body, "tapped_at": at.isoformat()})
        return self.api.post("/v1/transit/taps", operator_key, body, **kw)

    def charged(self, operator_key: str, route: str, resident_id: str, at: datetime | None = None) -> int:
        response = self.tap(operator_key, route, resident_id, at)
        assert response.status_code == 201, response.text
        return int(response.json()["charged"])
