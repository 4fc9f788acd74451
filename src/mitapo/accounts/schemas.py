"""What the residents' routes take and answer (the OpenAPI document shows these shapes)."""

from __future__ import annotations

from typing import Literal

from mitapo.http.schemas import Body, Name, Out


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
