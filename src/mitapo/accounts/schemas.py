"""What the residents' routes take and answer (the OpenAPI document shows these shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from mitapo.http.schemas import Body, Name, Out, Text


class ResidentIn(Body):
    name: Name
    fare_category: Literal["adult", "child", "concession"] = "adult"


class EnrollmentOut(Out):
    """A one-time enrollment code, shown once: as text, as the link a phone opens (the code after '#'), and
    as that link's QR image (SVG). It works once, until `expires_at`; a newer one voids it."""

    id: str
    code: str
    url: str
    expires_at: str
    qr_svg: str


class ResidentCreated(Out):
    """`number` is the resident's short number (eight digits, the last a check digit) for the counter and for
    friends who give them points; `token` is the resident's secret and `enrollment` their phone's first
    enrollment code, each shown once: a replay answers null for both."""

    id: str
    number: str
    token: str | None
    enrollment: EnrollmentOut | None


class Balances(Out):
    points: int
    money: int


class ExpiringPoints(Out):
    expires_on: str
    points: int


class ResidentOut(Out):
    """The resident's own wallet: points still valid (by the day they expire) and money; `number` is the
    short number they tell a friend who gives them points."""

    id: str
    number: str
    name: str
    fare_category: str
    balances: Balances
    points_expiring: list[ExpiringPoints]


class CardBriefOut(Out):
    """The resident's newest card (the earlier ones are replaced): `locked` after five wrong PINs."""

    card_number: str
    status: Literal["active", "locked"]


class ResidentFoundOut(Out):
    """A resident the counter's search found: `passkeys` is how many phones sign in as them now, `card` their
    card (null without one), `closed_at` set when the account is closed."""

    id: str
    number: str
    name: str
    fare_category: str
    created_at: str
    closed_at: str | None
    passkeys: int
    card: CardBriefOut | None


class ResidentsFoundOut(Out):
    """At most 50 residents, best matches first; `more` when others matched too (type more of the name)."""

    items: list[ResidentFoundOut]
    more: bool


class ClerkIn(Body):
    name: Name


class PrincipalCreated(Out):
    """`token` is the new principal's secret, shown once: a replay answers null."""

    id: str
    token: str | None


class StaffMeOut(Out):
    """Who the console is signed in as: its role decides which areas the console offers."""

    id: str
    role: str
    name: str


class RevocationIn(Body):
    """Why: kept in the staff action log for the auditors."""

    reason: Text


class RevocationOut(Out):
    """How many secrets stopped with this request (0 when the principal was revoked already)."""

    revoked: int


class RotationIn(Body):
    """Why (optional): kept in the staff action log for the auditors."""

    reason: Text = ""


class RotationOut(Out):
    """The caller's new secret, shown once; the secret it replaces works until `previous_valid_until`."""

    token: str
    previous_valid_until: datetime


class StaffActionOut(Out):
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    reason: str
    actor_name: str | None = None  # the actor's name (staff and partners; never a resident's)
    subject_name: str | None = None  # the subject's, when it is such a principal


class StaffActionsOut(Out):
    items: list[StaffActionOut]
    next_after_id: int | None
    next_before_id: int | None = None  # newest first (`before_id` given): the cursor to older actions


Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
ChallengeId = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
EnrollmentCode = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class ResidentRevocationIn(Body):
    """Why the phone's credentials stop (a lost phone, a stolen one): required, kept for the auditors."""

    reason: Reason


class ResidentRevocationOut(Out):
    """How many credentials stopped: `revoked` in all, and by kind (passkeys, sessions, open enrollment
    codes, the token). The wallet is untouched."""

    id: str
    resident_id: str
    revoked: int
    revoked_at: str
    passkeys: int
    sessions: int
    enrollments: int
    tokens: int


class EnrollStartIn(Body):
    code: EnrollmentCode


class PasskeyOptionsOut(Out):
    """`public_key` is what the browser's `navigator.credentials.create` (or `.get`) takes, in WebAuthn's
    JSON form (binary values base64url); `challenge_id` names the server's challenge, answered once."""

    challenge_id: str
    public_key: dict[str, Any]
    resident_name: str | msgspec.UnsetType = msgspec.UNSET


class PasskeyRegisterIn(Body):
    """`credential`: the PublicKeyCredential from `navigator.credentials.create`, in WebAuthn's JSON form."""

    challenge_id: ChallengeId
    credential: dict[str, Any]
    device_name: Name = "スマートフォン"


class PasskeySignInIn(Body):
    """`credential` is the PublicKeyCredential from `navigator.credentials.get`, in WebAuthn's JSON form."""

    challenge_id: ChallengeId
    credential: dict[str, Any]


class SignedInOut(Out):
    """A session was opened: its cookie (HttpOnly) came with the answer."""

    resident_id: str
    device_id: str | None
    expires_at: str


class DeviceOut(Out):
    id: str
    name: str
    created_at: str
    last_used_at: str | None


class DevicesOut(Out):
    items: list[DeviceOut]
