"""What the residents' routes take and answer (the OpenAPI document shows these shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from mitapo.http.schemas import Body, Name, Out, Text


class ResidentIn(Body):
    name: Name
    fare_category: Literal["adult", "child", "concession"] = "adult"


class ResidentCreated(Out):
    """`token` is the resident's secret, shown once: a replay answers null."""

    id: str
    token: str | None


class Balances(Out):
    points: int
    money: int


class ExpiringPoints(Out):
    expires_on: str
    points: int


class ResidentOut(Out):
    """The resident's own wallet: points still valid (by the day they expire) and money."""

    id: str
    name: str
    fare_category: str
    balances: Balances
    points_expiring: list[ExpiringPoints]


class ClerkIn(Body):
    name: Name


class PrincipalCreated(Out):
    """`token` is the new principal's secret, shown once: a replay answers null."""

    id: str
    token: str | None


class RevocationIn(Body):
    """Why: kept in the staff action log for the auditors."""

    reason: Text


class RevocationOut(Out):
    """How many secrets stopped with this request (0 when the principal was revoked already)."""

    revoked: int


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


class StaffActionsOut(Out):
    items: list[StaffActionOut]
    next_after_id: int | None
