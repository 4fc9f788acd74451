"""Expiry: lots dated before today move to breakage by an `expiry` entry, once, never by deletion; only the
lots that are due are read."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest

from mitapo.cli.main import main
from mitapo.engine import chart, clock, ledger
from mitapo.engine.commands import Command, HoldPlacement, HoldResolution
from mitapo.points import expiry
from tests.api.conftest import Api
from tests.api.test_points_town import HOUR, Town, now

VALID_DAYS = 10


@pytest.fixture
def town(api: Api, admin: str) -> Town:
    return Town(api, admin)


def _today() -> date:
    return clock.tokyo_date(clock.now())


def _earned(town: Town, *days_ago: int, points: int = 100) -> tuple[str, str]:
    """A resident who earned `points` at each of `days_ago` (their lots are dated VALID_DAYS later)."""
    program = town.program(valid_days=VALID_DAYS)
    resident_id, resident = town.resident()
    for ago in days_ago:
        event = town.event(
            town.admin, program, starts_at=now() - timedelta(days=ago, hours=1), ends_at=now() + HOUR
        )
        town.grant_at(resident_id, event, now() - timedelta(days=ago))
    return resident_id, resident


def _breakage(town: Town) -> int:
    rows = town.sql("SELECT posted FROM balances WHERE account = 'breakage' AND asset = 'PT'")
    return -rows[0]["posted"] if rows else 0


def _run(town: Town, today: date) -> expiry.ExpiryReport:
    return town.api.run(expiry.run, town.api.runtime.db, today)


def test_expired_points_move_to_breakage_once(town: Town) -> None:
    resident_id, resident = _earned(town, 25, 15, 0)
    report = _run(town, _today())
    assert report == expiry.ExpiryReport(entries=1, lots=2, points=200)
    assert _breakage(town) == 200
    assert town.me(resident)["balances"]["points"] == 100
    entries = town.sql("SELECT kind, meta FROM entries WHERE kind = 'expiry'")
    assert len(entries) == 1 and json.loads(entries[0]["meta"])["owner"] == f"resident:{resident_id}"
    before = town.written()
    assert _run(town, _today()) == expiry.ExpiryReport()
    assert town.written() == before
    town.api.seal()
    verified = town.api.get("/v1/audit/verify", town.admin).json()
    assert verified["ok"] is True, verified["problems"]
    # nothing was deleted: the grants are still in the journal, beside the expiry
    assert town.sql("SELECT count(*) AS n FROM entries WHERE kind = 'grant'")[0]["n"] == 3


def test_a_lot_is_valid_through_its_date(town: Town) -> None:
    _, resident = _earned(town, VALID_DAYS)  # dated today: still spendable today
    assert _run(town, _today()) == expiry.ExpiryReport()
    assert town.me(resident)["balances"]["points"] == 100
    assert _run(town, _today() + timedelta(days=1)).points == 100


def test_two_runs_at_once_expire_each_point_once(town: Town) -> None:
    for _ in range(3):
        _earned(town, 20, 30)
    db = town.api.runtime.db

    async def both() -> list[expiry.ExpiryReport]:
        return list(await asyncio.gather(expiry.run(db, _today()), expiry.run(db, _today(), page=1)))

    reports = town.api.run(both)
    assert sum(r.points for r in reports) == 600
    assert _breakage(town) == 600


def test_held_points_stay_until_their_hold_is_resolved(town: Town) -> None:
    resident_id, _ = _earned(town, 20)
    lot = chart.resident_lot(resident_id, _today() - timedelta(days=20 - VALID_DAYS)).code
    hold = uuid.uuid4()
    placement = HoldPlacement(hold, lot, chart.PT, 30, now() + HOUR)
    town.api.run(ledger.post, town.api.runtime.db, Command(kind=None, holds=(placement,)))
    assert _run(town, _today()).points == 70
    town.api.run(
        ledger.post, town.api.runtime.db, Command(kind=None, resolve_holds=(HoldResolution(hold, "voided"),))
    )
    assert _run(town, _today()).points == 0  # this lot was done today; the freed points wait for tomorrow
    assert _run(town, _today() + timedelta(days=1)).points == 30
    assert _breakage(town) == 100


def test_the_due_lots_are_read_from_the_partial_index(town: Town) -> None:
    _earned(town, 20)

    async def plan() -> str:
        async with town.api.runtime.db.raw() as conn, conn.transaction():
            await conn.execute("ANALYZE balances")
            await conn.execute("SET LOCAL enable_seqscan = off")
            await conn.execute("SET LOCAL enable_bitmapscan = off")
            rows = await conn.fetch(
                "EXPLAIN SELECT owner, account, expires_on FROM balances WHERE expires_on IS NOT NULL"
                " AND posted <> 0 AND asset = 'PT' AND expires_on < $1 ORDER BY expires_on, account LIMIT 10",
                _today(),
            )
            return "\n".join(r[0] for r in rows)

    assert "balances_points_due" in town.api.run(plan)
    emptied = town.sql("SELECT count(*) AS n FROM balances WHERE expires_on IS NOT NULL AND posted = 0")
    assert emptied[0]["n"] == 0
    _run(town, _today())
    emptied = town.sql("SELECT count(*) AS n FROM balances WHERE expires_on IS NOT NULL AND posted = 0")
    assert emptied[0]["n"] == 1  # the lot stays, empty; the index no longer holds it


def test_the_service_runs_expiry_itself(town: Town) -> None:
    _earned(town, 20)
    report = town.api.run(town.api.runtime.expire_now)
    assert report.points == 100


def test_mitapo_expire_on_the_command_line(
    town: Town,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _earned(town, 20, 12)
    monkeypatch.setenv("MITAPO_DATABASE_URL", database_url)
    monkeypatch.setenv("MITAPO_DATA_DIR", str(tmp_path / "cli"))
    assert main(["expire", "--date", (_today() - timedelta(days=5)).isoformat()]) == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert first == {
        "expired_before": (_today() - timedelta(days=5)).isoformat(),
        "entries": 1,
        "lots": 1,
        "points": 100,
    }
    assert main(["expire"]) == 0
    second = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (second["entries"], second["points"]) == (1, 100)
    assert main(["expire"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["points"] == 0
    assert _breakage(town) == 200
