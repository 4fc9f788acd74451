"""A small town for the participation tests: programs, organizers, events, residents and their codes, made
through the API, and `written()`, what "wrote nothing" is measured against. (No tests here.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from mitapo.engine.commands import Written
from mitapo.points import checkins, reads
from tests.api.conftest import Api

HOUR = timedelta(hours=1)


def problem(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code and body["status"] == status and body["title"] and body["type"]


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Town:
    api: Api
    admin: str
    organizer_ids: dict[str, str] = field(default_factory=dict)  # secret → id, to grant their programs

    def program(
        self,
        *,
        valid_days: int = 180,
        funding: int = 10_000,
        monthly_cap: int | None = None,
        annual_cap: int | None = None,
    ) -> str:
        body: dict[str, Any] = {"name": "公園ボランティア", "points_valid_days": valid_days}
        if monthly_cap is not None:
            body["monthly_cap"] = monthly_cap
        if annual_cap is not None:
            body["annual_cap"] = annual_cap
        created = self.api.post("/v1/programs", self.admin, body)
        assert created.status_code == 201, created.text
        program_id: str = created.json()["id"]
        if funding:
            funded = self.api.post(f"/v1/programs/{program_id}/funding", self.admin, {"points": funding})
            assert funded.status_code == 201, funded.text
        return program_id

    def organizer(self, name: str = "三鷹市 緑と公園課") -> tuple[str, str]:
        created = self.api.post("/v1/organizers", self.admin, {"name": name})
        assert created.status_code == 201, created.text
        self.organizer_ids[created.json()["token"]] = created.json()["id"]
        return created.json()["id"], created.json()["token"]

    def grant_program(self, secret: str, program_id: str) -> None:
        """The city lets the organizer (by its secret) run events in the program."""
        body = {"organizer_id": self.organizer_ids[secret]}
        granted = self.api.post(f"/v1/programs/{program_id}/organizers", self.admin, body, key=None)
        assert granted.status_code == 201, granted.text

    def event(
        self,
        secret: str,
        program_id: str,
        *,
        points: int = 100,
        capacity: int | None = None,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        title: str = "井の頭公園 清掃",
    ) -> str:
        starts = starts_at or now() - HOUR
        body: dict[str, Any] = {
            "program_id": program_id,
            "title": title,
            "points": points,
            "starts_at": starts.isoformat(),
            "ends_at": (ends_at or starts + 2 * HOUR).isoformat(),
        }
        if capacity is not None:
            body["capacity"] = capacity
        if secret in self.organizer_ids:
            self.grant_program(secret, program_id)
        created = self.api.post("/v1/events", secret, body)
        assert created.status_code == 201, created.text
        event_id: str = created.json()["id"]
        return event_id

    def resident(self, name: str = "三鷹 花子") -> tuple[str, str]:
        created = self.api.post("/v1/residents", self.admin, {"name": name}, key=None)
        assert created.status_code == 201, created.text
        return created.json()["id"], created.json()["token"]

    def code(self, secret: str, event_id: str) -> str:
        response = self.api.get(f"/v1/events/{event_id}/checkin-code", secret)
        assert response.status_code == 200, response.text
        payload: str = response.json()["payload"]
        return payload

    def claim(self, resident: str, payload: str, *, key: str | None = "auto") -> Any:
        return self.api.post("/v1/checkins", resident, {"payload": payload}, key=key)

    def checked_in(self, secret: str, event_id: str, resident: str) -> dict[str, Any]:
        response = self.claim(resident, self.code(secret, event_id))
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def grant_at(self, resident_id: str, event_id: str, moment: datetime) -> Written:
        """A check-in as if made at `moment` (the service takes the clock as a value)."""
        db = self.api.runtime.db

        async def grant() -> Written:
            async with db.read() as conn:
                found = await reads.event_and_program(conn, event_id)
            assert found is not None
            return await checkins.grant(db, resident_id, found[0], found[1], moment)

        return self.api.run(grant)

    def me(self, resident: str) -> dict[str, Any]:
        response = self.api.get("/v1/me", resident)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def program_view(self, program_id: str) -> dict[str, Any]:
        response = self.api.get(f"/v1/programs/{program_id}", self.admin)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def written(self) -> int:
        """The journal's size plus every participation row: unchanged means nothing was written."""

        async def count() -> int:
            async with self.api.runtime.db.raw() as conn:
                rows = await conn.fetchval(
                    "SELECT (SELECT count(*) FROM checkins) + (SELECT count(*) FROM events)"
                    " + (SELECT count(*) FROM programs) + (SELECT count(*) FROM principals)"
                )
                return int(rows)

        return self.api.journal_size() + self.api.run(count)

    def sql(self, query: str, *args: Any) -> Any:
        async def fetch() -> Any:
            async with self.api.runtime.db.raw() as conn:
                return await conn.fetch(query, *args)

        return self.api.run(fetch)
