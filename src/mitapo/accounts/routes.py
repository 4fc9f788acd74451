"""Residents: the city (admins and counter clerks) creates and enrols them; each reads only their own
wallet. Their phones register passkeys with an enrollment code and sign in with them into a cookie session;
they list and remove their devices; the city revokes them all at once when a phone is lost. Staff principals:
clerks created, every secret rotated and revoked, and the staff action log read."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Annotated, Any

from litestar import Request, Response, delete, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Template

from mitapo.accounts import (
    auth,
    credentials,
    devices,
    enrollments,
    numbers,
    passkeys,
    residents,
    search,
    sessions,
    staff_log,
)
from mitapo.accounts.principals import PrincipalView
from mitapo.accounts.schemas import (
    ClerkIn,
    DevicesOut,
    EnrollmentOut,
    EnrollStartIn,
    PasskeyOptionsOut,
    PasskeyRegisterIn,
    PasskeySignInIn,
    PrincipalCreated,
    ResidentCreated,
    ResidentIn,
    ResidentOut,
    ResidentRevocationIn,
    ResidentRevocationOut,
    ResidentsFoundOut,
    RevocationIn,
    RevocationOut,
    RotationIn,
    RotationOut,
    SignedInOut,
    StaffActionsOut,
    StaffMeOut,
)
from mitapo.engine import clock
from mitapo.engine.commands import Idempotency
from mitapo.engine.database import Database
from mitapo.http.auth import ANY_ROLE, COUNTER, roles
from mitapo.http.idempotency import answer
from mitapo.http.schemas import shaped
from mitapo.runtime import Runtime

STAFF_AND_PARTNERS = tuple(role for role in ANY_ROLE if role != "resident")  # every secret but a resident's
PUBLIC: list[dict[str, list[str]]] = [{}]  # the passkey ceremonies: before anyone is signed in
REFUSED_PASSKEY = {
    401: ResponseSpec(
        data_container=dict[str, Any],
        media_type="application/problem+json",
        generate_examples=False,
        description="unauthorized (a passkey nobody registered) or credential_revoked (removed or revoked)",
    )
}


@post("/v1/residents", opt=roles(*COUNTER), tags=["residents"])
async def create_resident(
    data: JSONBody[ResidentIn],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[ResidentCreated]:
    settings = runtime.settings
    body = await residents.create(
        runtime.db,
        data.name,
        data.fare_category,
        idempotency=maybe_idempotency,
        public_origin=settings.public_origin,
        enrollment_days=settings.enrollment_days,
        actor=principal.id,
    )
    if body["enrollment"] is not None:
        body["enrollment"] = await enrollments.with_qr(body["enrollment"])
    return answer(ResidentCreated, body, replayed=body["token"] is None)


@get("/v1/residents", opt=roles(*COUNTER), tags=["residents"])
async def find_residents(
    db: NamedDependency[Database],
    q: Annotated[str, QueryParameter(description="part of a name, or a resident number")] = "",
) -> ResidentsFoundOut:
    """The counter finds a resident by name (any part of it, full- or half-width, with or without the space)
    or by number (all eight digits, or the first four or more; dashes and spaces are fine). Empty, too short
    or too long: 422 `query_invalid`; eight digits with a wrong check digit: 422 `number_invalid`."""
    return shaped(ResidentsFoundOut, await search.find(db, q))


@get("/v1/me", opt=roles("resident"), tags=["residents"])
async def me(db: NamedDependency[Database], principal: NamedDependency[PrincipalView]) -> ResidentOut:
    return shaped(ResidentOut, await residents.me(db, principal.id, clock.tokyo_date(clock.now())))


@post("/v1/clerks", opt=roles("admin"), tags=["credentials"])
async def create_clerk(
    data: JSONBody[ClerkIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[PrincipalCreated]:
    """City counter staff: enrol residents, top up at the counter; no funding, reversals or settlements."""
    clerk_id, secret = await auth.create_principal(
        db, "clerk", data.name, idempotency=maybe_idempotency, actor=principal.id
    )
    return answer(PrincipalCreated, {"id": clerk_id, "token": secret or None}, replayed=not secret)


@get("/v1/staff/me", opt=roles(*COUNTER), tags=["credentials"])
async def staff_me(principal: NamedDependency[PrincipalView]) -> StaffMeOut:
    """The staff console's sign-in check: admin and clerk pass, and the role says which areas to offer (the
    API refuses a clerk the rest with 403 anyway). It reads nothing a clerk could not already do."""
    return StaffMeOut(id=principal.id, role=principal.role, name=principal.name)


@post("/v1/principals/{principal_id:str}/revocation", opt=roles("admin"), tags=["credentials"])
async def revoke_principal(
    principal_id: FromPath[str],
    data: JSONBody[RevocationIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
) -> Response[RevocationOut]:
    """Every secret of the principal stops at once, in every worker, and the staff action log says who."""
    stopped = await credentials.revoke(db, principal_id, actor=principal.id, reason=data.reason)
    return answer(RevocationOut, {"revoked": stopped})


@post("/v1/credentials/rotation", opt=roles(*STAFF_AND_PARTNERS), tags=["credentials"])
async def rotate_credential(
    runtime: NamedDependency[Runtime], principal: NamedDependency[PrincipalView]
) -> Response[RotationOut]:
    """A new secret for the caller; the one it replaces keeps working for the grace period."""
    grace = timedelta(seconds=runtime.settings.rotation_grace_seconds)
    rotated = await credentials.rotate(runtime.db, principal.id, grace, actor=principal.id)
    return answer(RotationOut, dataclasses.asdict(rotated))


@post("/v1/principals/{principal_id:str}/rotation", opt=roles("admin"), tags=["credentials"])
async def rotate_principal(
    principal_id: FromPath[str],
    data: JSONBody[RotationIn],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
) -> Response[RotationOut]:
    """The city rotates a shop's, operator's, organizer's or staff member's secret for them (a key that may
    have leaked, a till replaced): a new secret, shown once; the old one works for the same grace as the
    principal's own rotation, or not at all when the principal was revoked. The staff action log says who."""
    grace = timedelta(seconds=runtime.settings.rotation_grace_seconds)
    rotated = await credentials.rotate(
        runtime.db, principal_id, grace, actor=principal.id, reason=data.reason, staff_only=True
    )
    return answer(RotationOut, dataclasses.asdict(rotated))


@get("/v1/audit/staff-actions", opt=roles("admin", "auditor"), tags=["audit"])
async def staff_actions(
    db: NamedDependency[Database],
    after_id: Annotated[int, QueryParameter(ge=0, le=2**63 - 1)] = 0,
    before_id: Annotated[int | None, QueryParameter(ge=1, le=2**63 - 1)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    subject: Annotated[str | None, QueryParameter(max_length=200)] = None,
    actor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    action: Annotated[str | None, QueryParameter(max_length=100)] = None,
    since: Annotated[date | None, QueryParameter()] = None,
    until: Annotated[date | None, QueryParameter()] = None,
) -> StaffActionsOut:
    """Who did what to whom, when and why: oldest first after `after_id` (`next_after_id` pages on), or
    newest first before `before_id` (`next_before_id`; a huge `before_id` starts at the newest). Narrowed by
    `subject`, `actor`, `action`, and Tokyo days `since` and `until` (included)."""
    filters = staff_log.Filters(subject=subject, actor=actor, action=action, since=since, until=until)
    async with db.read() as conn:
        items = await staff_log.page(conn, limit, filters, after_id=after_id, before_id=before_id)
    last = items[-1].id if len(items) == limit else None
    cursors = {"next_after_id": last, "next_before_id": None}
    if before_id is not None:
        cursors = {"next_after_id": None, "next_before_id": last}
    return shaped(StaffActionsOut, {"items": [dataclasses.asdict(item) for item in items], **cursors})


@post("/v1/residents/{resident_id:str}/enrollments", opt=roles(*COUNTER), tags=["residents"])
async def issue_enrollment(
    resident_id: FromPath[str], runtime: NamedDependency[Runtime], principal: NamedDependency[PrincipalView]
) -> Response[EnrollmentOut]:
    """A new one-time enrollment code for the resident's (new) phone; any earlier open code stops working.
    A retry issues another code: the code is stored only hashed, so it cannot be shown twice."""
    settings = runtime.settings
    issued = await enrollments.issue(
        runtime.db, resident_id, principal.id, settings.public_origin, settings.enrollment_days
    )
    return answer(EnrollmentOut, await issued.with_qr())


@post(
    "/v1/residents/{resident_id:str}/enrollments/letter",
    opt=roles(*COUNTER),
    tags=["residents"],
    media_type="text/html",
)
async def enrollment_letter(
    resident_id: FromPath[str],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    request: Request[Any, Any, Any],
) -> Template:
    """The printable enrollment letter (Japanese, A4): a new code as text, link and QR, and what to do. Like
    `POST …/enrollments`, it issues a new code and voids the earlier one."""
    settings = runtime.settings
    issued = await enrollments.issue(
        runtime.db, resident_id, principal.id, settings.public_origin, settings.enrollment_days, letter=True
    )
    async with runtime.db.read() as conn:
        resident = await residents.find(conn, resident_id)
    context = {
        "name": resident.name if resident else "",
        "number": numbers.printed(resident.number) if resident else "",
        "code": issued.code,
        "url": issued.url,
        "qr_svg": (await issued.with_qr())["qr_svg"],
        "expires_on": clock.tokyo_date(issued.expires_at).strftime("%Y年%m月%d日"),
        "origin": settings.public_origin,
    }
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return Template("letters/enrollment.html", context=context, headers=headers, status_code=201)


@post("/v1/residents/{resident_id:str}/revocation", opt=roles(*COUNTER), tags=["residents"])
async def revoke_resident(
    resident_id: FromPath[str],
    data: JSONBody[ResidentRevocationIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
) -> Response[ResidentRevocationOut]:
    """A lost phone: every passkey, session, open enrollment code and the token of the resident stop at once;
    the balance and history stay. Issue a new enrollment next."""
    body = await devices.revoke(db, resident_id, data.reason, principal.id)
    return answer(ResidentRevocationOut, body)


def _rp(runtime: Runtime) -> passkeys.RelyingParty:
    settings = runtime.settings
    return passkeys.RelyingParty(settings.passkey_rp_id, settings.passkey_origins, settings.session_days)


def _session_cookie(token: str, max_age: int) -> Cookie:
    """HttpOnly (no script reads it), Secure (https only; browsers treat http://localhost as secure),
    SameSite=Strict (no other site's page or link sends it)."""
    return Cookie(
        key=sessions.COOKIE,
        value=token,
        path="/",
        max_age=max_age,
        httponly=True,
        secure=True,
        samesite="strict",
    )


def _signed_in(found: passkeys.SignedIn, runtime: Runtime) -> Response[SignedInOut]:
    body = {
        "resident_id": found.resident_id,
        "device_id": found.passkey_id,
        "expires_at": found.session.expires_at.isoformat(),
    }
    cookie = _session_cookie(found.session.token, runtime.settings.session_days * 86400)
    return Response(shaped(SignedInOut, body), status_code=201, cookies=[cookie])


@post("/v1/enrollments/passkey-options", security=PUBLIC, tags=["sessions"], status_code=200)
async def enrollment_options(
    data: JSONBody[EnrollStartIn], runtime: NamedDependency[Runtime]
) -> PasskeyOptionsOut:
    """Step 1 on the phone that opened an enrollment link: the options for a new passkey."""
    return shaped(PasskeyOptionsOut, await passkeys.registration_options(runtime.db, _rp(runtime), data.code))


@post("/v1/enrollments/passkey", security=PUBLIC, tags=["sessions"])
async def enroll_passkey(
    data: JSONBody[PasskeyRegisterIn], runtime: NamedDependency[Runtime]
) -> Response[SignedInOut]:
    """Step 2: the new passkey; the enrollment code is used up and this phone is signed in (cookie)."""
    found = await passkeys.register(
        runtime.db, _rp(runtime), data.challenge_id, data.credential, data.device_name
    )
    return _signed_in(found, runtime)


@post("/v1/sessions/passkey-options", security=PUBLIC, tags=["sessions"], status_code=200)
async def sign_in_options(runtime: NamedDependency[Runtime]) -> PasskeyOptionsOut:
    """Signing in, step 1: a challenge for any of the phone's みたポ passkeys."""
    return shaped(PasskeyOptionsOut, await passkeys.sign_in_options(runtime.db, _rp(runtime)))


@post("/v1/sessions/passkey", security=PUBLIC, tags=["sessions"], responses=REFUSED_PASSKEY)
async def sign_in(
    data: JSONBody[PasskeySignInIn], runtime: NamedDependency[Runtime]
) -> Response[SignedInOut]:
    """Signing in, step 2: the passkey's answer; a session cookie for its resident."""
    found = await passkeys.sign_in(runtime.db, _rp(runtime), data.challenge_id, data.credential)
    return _signed_in(found, runtime)


@post("/v1/sessions", opt=roles("resident"), tags=["sessions"])
async def session_from_token(
    runtime: NamedDependency[Runtime], principal: NamedDependency[PrincipalView]
) -> Response[SignedInOut]:
    """A session cookie for a resident who shows their token (the sign-in links of the city's first
    letters): the page keeps the cookie, not the token."""
    opened = await sessions.from_token(runtime.db, principal, runtime.settings.session_days)
    return _signed_in(passkeys.SignedIn(principal.id, None, opened), runtime)


@delete(
    "/v1/me/session",
    opt=roles("resident"),
    tags=["sessions"],
    status_code=204,
    response_cookies=[_session_cookie("", 0)],
)
async def sign_out(
    db: NamedDependency[Database], principal: NamedDependency[PrincipalView], request: Request[Any, Any, Any]
) -> None:
    """End this session (signing out) and drop its cookie."""
    token = request.cookies.get(sessions.COOKIE)
    if token:
        await sessions.sign_out(db, principal.id, token)


@get("/v1/me/devices", opt=roles("resident"), tags=["sessions"])
async def my_devices(db: NamedDependency[Database], principal: NamedDependency[PrincipalView]) -> DevicesOut:
    """The phones (passkeys) that sign in as this resident."""
    return shaped(DevicesOut, {"items": await devices.listed(db, principal.id)})


@delete("/v1/me/devices/{device_id:str}", opt=roles("resident"), tags=["sessions"], status_code=204)
async def remove_device(
    device_id: FromPath[str], db: NamedDependency[Database], principal: NamedDependency[PrincipalView]
) -> None:
    """Remove one of the resident's own devices: its passkey stops and its sessions end."""
    await devices.remove(db, principal.id, device_id)


ROUTES = [
    create_resident,
    find_residents,
    me,
    create_clerk,
    staff_me,
    revoke_principal,
    rotate_credential,
    rotate_principal,
    staff_actions,
    issue_enrollment,
    enrollment_letter,
    revoke_resident,
    enrollment_options,
    enroll_passkey,
    sign_in_options,
    sign_in,
    session_from_token,
    sign_out,
    my_devices,
    remove_device,
]
