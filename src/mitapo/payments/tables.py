"""The payments capability's tables (migration 0005): merchants, payment requests, payments and their
refunds, cashback campaigns, settlements and their lines, and the webhook endpoints and outbox. The ledger
holds the money; these say what it cannot by itself (which lots a payment took, which request it paid)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Integer, Table, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.types import TIMESTAMP

from mitapo.engine.tables import metadata

_Moment = TIMESTAMP(timezone=True)

merchants = Table(
    "merchants",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_ascii", Text, nullable=False),
    Column("city", Text, nullable=False),
    Column("city_ascii", Text, nullable=False),
    Column("mcc", Text, nullable=False),
    Column("fee_bps", Integer, nullable=False),
    Column("bank_code", Text),
    Column("bank_name_kana", Text),
    Column("branch_code", Text),
    Column("branch_name_kana", Text),
    Column("account_type", Text),
    Column("account_number", Text),
    Column("account_holder_kana", Text),
    Column("created_at", _Moment, nullable=False),
    Column("postal_code", Text),  # 0022
    Column("jpqr_id", Text),  # 0022
    Column("area", Text),
)

payment_requests = Table(
    "payment_requests",
    metadata,
    Column("id", Text, primary_key=True),
    Column("merchant_id", Text, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("reference", Text),
    Column("created_at", _Moment, nullable=False),
    Column("expires_at", _Moment, nullable=False),
)

payments = Table(
    "payments",
    metadata,
    Column("n", BigInteger, nullable=False, unique=True),  # bigserial: the order payments were written in
    Column("id", Text, primary_key=True),
    Column("merchant_id", Text, nullable=False),
    Column("resident_id", Text, nullable=False),
    Column("request_id", Text, unique=True),
    Column("source", Text, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("points_used", BigInteger, nullable=False),
    Column("money_used", BigInteger, nullable=False),
    Column("lots", JSONB, nullable=False),
    Column("reference", Text),
    Column("entry_id", UUID(as_uuid=True), nullable=False),
    Column("created_at", _Moment, nullable=False),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", Text, primary_key=True),
    Column("payment_id", Text, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("points_refunded", BigInteger, nullable=False),
    Column("money_refunded", BigInteger, nullable=False),
    Column("points_expired", BigInteger, nullable=False),
    Column("entry_id", UUID(as_uuid=True), nullable=False),
    Column("created_at", _Moment, nullable=False),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("merchant_id", Text, primary_key=True),
    Column("url", Text, nullable=False),
    Column("updated_at", _Moment, nullable=False),
)

webhook_outbox = Table(
    "webhook_outbox",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("merchant_id", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("created_at", _Moment, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", _Moment, nullable=False),
    Column("delivered_at", _Moment),
    Column("gave_up_at", _Moment),
    Column("last_error", Text),
)

cashback_campaigns = Table(
    "cashback_campaigns",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("program_id", Text, nullable=False),
    Column("rate_bps", Integer, nullable=False),
    Column("monthly_cap", BigInteger, nullable=False),
    Column("merchant_ids", ARRAY(Text), nullable=False),
    Column("mccs", ARRAY(Text), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
    Column("created_at", _Moment, nullable=False),
)

settlements = Table(
    "settlements",
    metadata,
    Column("id", Text, primary_key=True),
    Column("period_start", _Moment),
    Column("period_end", _Moment, nullable=False),
    Column("created_at", _Moment, nullable=False),
)

settlement_lines = Table(
    "settlement_lines",
    metadata,
    Column("settlement_id", Text, primary_key=True),
    Column("account", Text, primary_key=True),
    Column("party_kind", Text, nullable=False),
    Column("party_id", Text, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("money", BigInteger, nullable=False),
    Column("fee", BigInteger, nullable=False),
    Column("payout", BigInteger, nullable=False),
    Column("entry_id", UUID(as_uuid=True), nullable=False),
    Column("created_at", _Moment, nullable=False),
)

# migration 0027: the record that a settlement's bank transfer was made (append-only, one per settlement)
settlement_transfers = Table(
    "settlement_transfers",
    metadata,
    Column("settlement_id", Text, primary_key=True),
    Column("transferred_on", Date, nullable=False),
    Column("reference", Text),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", _Moment, nullable=False),
)

payee_bank_accounts = Table(  # migration 0022: recipients' and operators' bank details, the newest row paid
    "payee_bank_accounts",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("party_kind", Text, nullable=False),
    Column("party_id", Text, nullable=False),
    Column("bank_code", Text, nullable=False),
    Column("bank_name_kana", Text, nullable=False),
    Column("branch_code", Text, nullable=False),
    Column("branch_name_kana", Text, nullable=False),
    Column("account_type", Text, nullable=False),
    Column("account_number", Text, nullable=False),
    Column("account_holder_kana", Text, nullable=False),
    Column("created_at", _Moment, nullable=False),
)

cashback_clawbacks = Table(  # migration 0022: cashback taken back by refunds, and the residents' debt of it
    "cashback_clawbacks",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("refund_id", Text),
    Column("campaign_id", Text, nullable=False),
    Column("resident_id", Text, nullable=False),
    Column("month", Text, nullable=False),
    Column("points_clawed", BigInteger, nullable=False),
    Column("points_owed", BigInteger, nullable=False),
    Column("entry_id", UUID(as_uuid=True)),
    Column("created_at", _Moment, nullable=False),
)
