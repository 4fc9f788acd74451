"""The witnesses' tables (migration 0025): registered witness keys, and their cosignatures of checkpoints."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, LargeBinary, Table, Text
from sqlalchemy.types import TIMESTAMP

from mitapo.engine.tables import metadata

witnesses = Table(
    "witnesses",
    metadata,
    Column("kid", Text, primary_key=True),
    Column("public_key", LargeBinary, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("created_at", TIMESTAMP(timezone=True), nullable=False),
)

cosignatures = Table(
    "cosignatures",
    metadata,
    Column("seq", BigInteger, ForeignKey("checkpoints.seq"), primary_key=True),
    Column("witness", Text, ForeignKey("witnesses.kid"), primary_key=True),
    Column("cosigned_at", TIMESTAMP(timezone=True), nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("received_at", TIMESTAMP(timezone=True), nullable=False),
)
