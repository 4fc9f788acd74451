"""The reads the pages need beyond CONTRACT.md's endpoints, as JSON endpoints like any other: the auditor's
monthly volumes, filtered journal, point trails, fairness and budgets; an event's live check-in count; the
recipients a resident may donate to; the shop a till is signed in as, and any shop for the staff console."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from mitapo.accounts.principals import PrincipalView
from mitapo.audit import desk
from mitapo.audit.routes import entry_json
from mitapo.audit.schemas import BudgetsOut, FairnessOut, JournalOut, MonthlyOut, TrailOut
from mitapo.engine import clock
from mitapo.engine.database import Database
from mitapo.http.auth import roles
from mitapo.http.schemas import shaped
from mitapo.runtime import Runtime
from mitapo.web import discover_routes, faces, history
from mitapo.web.schemas import AttendanceOut, HistoryOut, LatestOut, RecipientsOut, ShopOut

AUDIT = roles("admin", "auditor")
Text = Annotated[str | None, QueryParameter(max_length=200)]


@get("/v1/audit/monthly", opt=AUDIT, tags=["audit"])
async def monthly(db: NamedDependency[Database]) -> MonthlyOut:
    """Points funded, granted, spent, donated and expired, and money charged and spent, per month (Tokyo)."""
    return shaped(MonthlyOut, await desk.monthly(db))


@get("/v1/audit/journal", opt=AUDIT, tags=["audit"])
async def journal(
    db: NamedDependency[Database],
    account: Text = None,
    kind: Annotated[str | None, QueryParameter(max_length=40)] = None,
    since: Annotated[date | None, QueryParameter(name="from")] = None,
    until: Annotated[date | None, QueryParameter(name="to")] = None,
    resident: Text = None,
    shop: Text = None,
    before_seq: Annotated[int | None, QueryParameter(ge=1, le=2**63 - 1)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
) -> JournalOut:
    """Sealed entries by account (a code, or its start up to a ':'), kind, Tokyo dates, resident and shop,
    newest first, with postings and hashes; `next_before_seq` reads on."""
    query = desk.JournalQuery(account, kind, since, until, resident, shop)
    found, next_before = await desk.journal(db, query, before_seq, limit)
    return shaped(
        JournalOut, {"items": [entry_json(entry) for entry in found], "next_before_seq": next_before}
    )


@get("/v1/audit/trail/{entry_id:str}", opt=AUDIT, tags=["audit"])
async def trail(
    entry_id: FromPath[str],
    db: NamedDependency[Database],
    point: Annotated[int, QueryParameter(ge=0, le=2**63 - 1)] = 0,
) -> TrailOut:
    """One point that this entry moved, from the funding that created it to where it rests now."""
    found = await desk.trail(db, entry_id, point)
    found["steps"] = [step | {"entry": entry_json(step["entry"])} for step in found["steps"]]
    return shaped(TrailOut, found)


@get("/v1/audit/fairness", opt=AUDIT, tags=["audit"])
async def fairness(
    runtime: NamedDependency[Runtime], principal: NamedDependency[PrincipalView]
) -> FairnessOut:
    """Names are for the city: an auditor sees residents under pseudonyms (docs/security.md, APPI)."""
    pseudonyms = None
    if principal.role != "admin":
        pseudonyms = desk.Pseudonyms(runtime.keys.derived_secret(b"resident pseudonyms"))
    return shaped(FairnessOut, await desk.fairness(runtime.db, pseudonyms))


@get("/v1/audit/budgets", opt=AUDIT, tags=["audit"])
async def budgets(db: NamedDependency[Database]) -> BudgetsOut:
    return shaped(BudgetsOut, await desk.budgets(db))


@get("/v1/events/{event_id:str}/attendance", opt=roles("admin", "organizer"), tags=["points"])
async def attendance(
    event_id: FromPath[str], db: NamedDependency[Database], principal: NamedDependency[PrincipalView]
) -> AttendanceOut:
    """The live count on the organizer's screen."""
    organizer = principal.id if principal.role == "organizer" else None
    return shaped(AttendanceOut, await faces.attendance(db, event_id, organizer))


@get("/v1/recipients", tags=["money"], security=[{}])
async def recipients(db: NamedDependency[Database]) -> RecipientsOut:
    return shaped(RecipientsOut, await faces.recipients(db))


@get("/v1/merchant", opt=roles("merchant"), tags=["payments"])
async def my_shop(db: NamedDependency[Database], principal: NamedDependency[PrincipalView]) -> ShopOut:
    return shaped(ShopOut, await faces.shop(db, principal.id))


@get("/v1/merchants/{merchant_id:str}", opt=roles("admin"), tags=["payments"])
async def a_shop(merchant_id: FromPath[str], db: NamedDependency[Database]) -> ShopOut:
    """A shop as the city registered it, for the staff console's sticker."""
    return shaped(ShopOut, await faces.shop(db, merchant_id))


MONTH = r"^(?:20[0-9]{2}-(?:0[1-9]|1[0-2]))$(?!\n)"


@get("/v1/me/history", opt=roles("resident"), tags=["points"])
async def my_history(
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    month: Annotated[str | None, QueryParameter(pattern=MONTH)] = None,
) -> HistoryOut:
    """The resident's entries of one Tokyo month (default: this one), newest first, each with its kind in
    words, whom it was with, points and money apart, and its details."""
    chosen = month or clock.month_key(clock.now())
    start, end = history.month_range(chosen)
    found = await history.lines(db, principal.id, start, end, history.MONTH_LIMIT)
    return shaped(HistoryOut, {"month": chosen, "items": await history.described(db, principal.id, found)})


@get("/v1/me/history/latest", opt=roles("resident"), tags=["points"])
async def my_latest(
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    limit: Annotated[int, QueryParameter(ge=1, le=history.LATEST_LIMIT)] = 5,
) -> LatestOut:
    """The resident's newest entries of any month, as the history says them: the home screen's recent list
    (a month's list would be empty on the first of the month)."""
    start, end = history.all_time()
    found = await history.lines(db, principal.id, start, end, limit)
    return shaped(LatestOut, {"items": await history.described(db, principal.id, found)})


@get("/v1/me/history.csv", opt=roles("resident"), tags=["points"], media_type="text/csv")
async def my_history_csv(
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    year: Annotated[int, QueryParameter(ge=2000, le=2100)],
) -> Response[bytes]:
    """A year of the resident's history (Tokyo calendar year) as CSV, UTF-8 with a BOM, oldest first."""
    start, end = history.year_range(year)
    found = await history.lines(db, principal.id, start, end, history.YEAR_LIMIT)
    content = history.as_csv(await history.described(db, principal.id, found))
    disposition = f'attachment; filename="mitapo-{year}.csv"'
    return Response(content, media_type="text/csv", headers={"Content-Disposition": disposition})


ROUTES = [
    monthly,
    journal,
    trail,
    fairness,
    budgets,
    attendance,
    recipients,
    my_shop,
    a_shop,
    my_history,
    my_latest,
    my_history_csv,
    *discover_routes.ROUTES,
]
