"""Helpers shared by the money tests (named like them to stay within this issue's files; no tests here)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mitapo.engine import chart, ledger
from tests.api.test_points_town import Town as ParticipationTown
from tests.api.test_points_town import problem

__all__ = ["Town", "moment", "problem"]


def moment(days: float) -> str:
    """An ISO 8601 moment `days` from now."""
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


class Town(ParticipationTown):
    """A city with an admin, driven through the API; seeding with no endpoint goes through the services."""

    def top_up(
        self,
        resident_id: str,
        amount: int,
        *,
        ref: str | None = None,
        channel: str = "bank_transfer",
        key: str | None = "auto",
    ) -> Any:
        body = {
            "resident_id": resident_id,
            "amount": amount,
            "channel": channel,
            "external_ref": ref or uuid.uuid4().hex,
        }
        return self.api.post("/v1/topups", self.admin, body, key=key)

    def campaign(
        self, program_id: str, *, rate: int = 10, cap: int = 1_000, starts: float = -1, ends: float = 30
    ) -> str:
        body = {
            "program_id": program_id,
            "name": "春のプレミアム",
            "rate_percent": rate,
            "per_resident_cap": cap,
            "starts_at": moment(starts),
            "ends_at": moment(ends),
        }
        created = self.api.post("/v1/campaigns", self.admin, body, key=None)
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    def recipient(self, name: str = "井の頭 町会") -> str:
        created = self.api.post("/v1/recipients", self.admin, {"name": name}, key=None)
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    def matching(self, program_id: str, recipient_ids: list[str], **terms: Any) -> str:
        body = {"program_id": program_id, "recipient_ids": recipient_ids, "per_donation_cap": 1_000, **terms}
        created = self.api.post("/v1/matchings", self.admin, body, key=None)
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    def grant(self, program_id: str, resident_id: str, points: int, expires_on: date) -> None:
        """Points into a lot expiring on a chosen date (check-ins pick the date themselves)."""
        lot = chart.resident_lot(resident_id, expires_on)
        self.api.run(ledger.open_accounts, self.api.runtime.db, lot)

        async def move() -> None:
            await ledger.transfer(
                self.api.runtime.db,
                source=chart.program_budget(program_id).code,
                destination=lot.code,
                asset=chart.PT,
                amount=points,
                kind="grant",
            )

        self.api.run(move)

    def donate(
        self, secret: str, recipient_id: str, points: int, *, key: str | None = "auto", **extra: Any
    ) -> Any:
        return self.api.post(
            "/v1/donations", secret, {"recipient_id": recipient_id, "points": points, **extra}, key=key
        )

    def close(self, resident_id: str, channel: str = "bank_transfer", *, key: str | None = "auto") -> Any:
        return self.api.post(
            f"/v1/residents/{resident_id}/closure", self.admin, {"channel": channel}, key=key
        )

    def balances(self) -> dict[tuple[str, str], int]:
        """Every nonzero balance, debit-positive, from the trial balance."""
        accounts = self.api.get("/v1/audit/trial-balance", self.admin).json()["accounts"]
        return {(a["account"], a["asset"]): a["balance"] for a in accounts}

    def wallet(self, resident_id: str) -> dict[str, int]:
        """A resident's points and money as normal balances (the admin's view: the resident may be closed)."""
        mine = {
            k: -v
            for k, v in self.balances().items()
            if k[0].startswith(chart.resident_owner(resident_id) + ":")
        }
        return {
            "points": sum(v for (_, asset), v in mine.items() if asset == chart.PT),
            "money": sum(v for (_, asset), v in mine.items() if asset == chart.JPY),
        }

    def entries(self, kind: str | None = None) -> list[dict[str, Any]]:
        self.api.seal()
        items = self.api.get("/v1/audit/entries", self.admin, params={"limit": 1000}).json()["items"]
        return [e for e in items if kind is None or e["kind"] == kind]

    def count(self, table: str) -> int:
        return int(self.sql(f"SELECT count(*) AS n FROM {table}")[0]["n"])

    def verified(self) -> bool:
        self.api.seal()
        verify = self.api.get("/v1/audit/verify", self.admin).json()
        return bool(verify["ok"]) and not verify["problems"]
