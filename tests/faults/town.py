"""The bank run's town, made through the API before any fault: residents with some money, shops, a funded
program and open events. Only the first admin and auditor secrets are made in-process, as `mitapo token
create` makes them."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from mitapo.accounts import auth
from mitapo.runtime import Runtime
from mitapo.settings import Settings

STARTING_MONEY = 20_000
POINTS_PER_CHECKIN = 20


@dataclass(frozen=True, slots=True)
class Party:
    id: str
    secret: str


@dataclass(frozen=True, slots=True)
class Shop:
    id: str
    secret: str
    qr_payload: str


@dataclass
class Town:
    admin: Party
    auditor: Party
    organizer: Party
    residents: list[Party] = field(default_factory=list)
    shops: list[Shop] = field(default_factory=list)
    events: list[str] = field(default_factory=list)


async def first_secrets(url: str, state: Path) -> tuple[Party, Party]:
    runtime = Runtime(Settings(data_dir=state), url)
    await runtime.start(migrate_first=False, background=False)
    try:
        admin = await auth.create_principal(runtime.db, "admin", "bank run")
        auditor = await auth.create_principal(runtime.db, "auditor", "bank run")
    finally:
        await runtime.stop()
    return Party(*admin), Party(*auditor)


async def _created(http: httpx.AsyncClient, path: str, secret: str, body: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": uuid.uuid4().hex}
    answer = await http.post(path, json=body, headers=headers)
    if answer.status_code != 201:
        raise RuntimeError(f"seeding {path}: {answer.status_code} {answer.text}")
    created: dict[str, Any] = answer.json()
    return created


async def build(
    http: httpx.AsyncClient,
    admin: Party,
    auditor: Party,
    residents: int,
    shops: int,
    events: int,
    hours: float,
) -> Town:
    organizer = await _created(http, "/v1/organizers", admin.secret, {"name": "三鷹市 市民協働課"})
    town = Town(admin, auditor, Party(organizer["id"], organizer["token"]))
    made = await asyncio.gather(
        *(_created(http, "/v1/residents", admin.secret, {"name": f"住民 {n}"}) for n in range(residents))
    )
    town.residents = [Party(r["id"], r["token"]) for r in made]
    stores = await asyncio.gather(
        *(_created(http, "/v1/merchants", admin.secret, {"name": f"商店 {n}"}) for n in range(shops))
    )
    town.shops = [Shop(s["id"], s["api_key"], s["qr_payload"]) for s in stores]
    program = await _created(
        http, "/v1/programs", admin.secret, {"name": "銀行取り付け訓練", "points_valid_days": 180}
    )
    funding = {"points": POINTS_PER_CHECKIN * residents * events}
    await _created(http, f"/v1/programs/{program['id']}/funding", admin.secret, funding)
    grant = {"organizer_id": organizer["id"]}
    await _created(http, f"/v1/programs/{program['id']}/organizers", admin.secret, grant)
    starts = datetime.now(UTC) - timedelta(hours=1)
    body = {
        "program_id": program["id"],
        "points": POINTS_PER_CHECKIN,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1 + hours)).isoformat(),
    }
    opened = await asyncio.gather(
        *(
            _created(http, "/v1/events", organizer["token"], {**body, "title": f"清掃 {n}"})
            for n in range(events)
        )
    )
    town.events = [e["id"] for e in opened]
    await asyncio.gather(*(_top_up(http, admin, r.id) for r in town.residents))
    return town


async def _top_up(http: httpx.AsyncClient, admin: Party, resident_id: str) -> None:
    body = {
        "resident_id": resident_id,
        "amount": STARTING_MONEY,
        "channel": "bank",
        "external_ref": uuid.uuid4().hex,
    }
    await _created(http, "/v1/topups", admin.secret, body)
