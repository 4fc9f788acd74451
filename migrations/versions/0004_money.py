"""Money and donations: top-ups by channel, premium campaigns, recipients, donations, matching, closures.

The journal holds every movement; these tables hold what the journal does not say: which channel's reference a
top-up came with (for reconciling a bank's statement), who donated and whether anonymously, which campaigns
and matching offers exist, and when a resident was closed. Top-ups, donations and closures are a trail, so
they are append-only like the journal. Inserting a closure closes the resident and disables their secret in
the same transaction as the closing entry, so no crash can leave a paid-out resident able to sign in.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APPEND_ONLY = ("topups", "donations", "closures")

SCHEMA = (
    """
    CREATE TABLE recipients (
        id          text PRIMARY KEY,
        name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        created_at  timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE campaigns (
        id                 text PRIMARY KEY,
        program_id         text NOT NULL REFERENCES programs (id),
        name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        rate_percent       integer NOT NULL CHECK (rate_percent BETWEEN 1 AND 1000),
        per_resident_cap   bigint NOT NULL CHECK (per_resident_cap > 0),
        starts_at          timestamptz NOT NULL,
        ends_at            timestamptz NOT NULL,
        created_at         timestamptz NOT NULL DEFAULT now(),
        CHECK (ends_at > starts_at)
    )
    """,
    "CREATE INDEX campaigns_period ON campaigns (starts_at, ends_at)",
    """
    CREATE TABLE matchings (
        id                text PRIMARY KEY,
        program_id        text NOT NULL REFERENCES programs (id),
        rate_percent      integer NOT NULL CHECK (rate_percent BETWEEN 1 AND 1000),
        per_donation_cap  bigint NOT NULL CHECK (per_donation_cap > 0),
        total_cap         bigint CHECK (total_cap > 0),
        starts_at         timestamptz,
        ends_at           timestamptz,
        created_at        timestamptz NOT NULL DEFAULT now(),
        CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at)
    )
    """,
    """
    CREATE TABLE matching_recipients (
        matching_id   text NOT NULL REFERENCES matchings (id),
        recipient_id  text NOT NULL REFERENCES recipients (id),
        PRIMARY KEY (matching_id, recipient_id)
    )
    """,
    "CREATE INDEX matching_recipients_recipient ON matching_recipients (recipient_id)",
    """
    CREATE TABLE topups (
        entry_id      uuid PRIMARY KEY REFERENCES entries (id),
        resident_id   text NOT NULL REFERENCES residents (id),
        channel       text NOT NULL,
        external_ref  text NOT NULL,
        amount        bigint NOT NULL CHECK (amount > 0),
        created_at    timestamptz NOT NULL DEFAULT now(),
        UNIQUE (channel, external_ref)
    )
    """,
    """
    CREATE TABLE donations (
        entry_id      uuid PRIMARY KEY REFERENCES entries (id),
        resident_id   text NOT NULL REFERENCES residents (id),
        recipient_id  text NOT NULL REFERENCES recipients (id),
        points        bigint NOT NULL CHECK (points > 0),
        anonymous     boolean NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX donations_recipient ON donations (recipient_id, created_at)",
    """
    CREATE TABLE closures (
        resident_id       text PRIMARY KEY REFERENCES residents (id),
        entry_id          uuid REFERENCES entries (id),
        channel           text NOT NULL,
        money_paid        bigint NOT NULL CHECK (money_paid >= 0),
        points_forfeited  bigint NOT NULL CHECK (points_forfeited >= 0),
        closed_at         timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE FUNCTION close_resident() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE residents SET closed_at = NEW.closed_at WHERE id = NEW.resident_id;
        UPDATE principals SET disabled_at = NEW.closed_at WHERE id = NEW.resident_id;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER closures_close_resident AFTER INSERT ON closures "
    "FOR EACH ROW EXECUTE FUNCTION close_resident()",
)


def upgrade() -> None:
    for statement in SCHEMA:
        op.execute(statement)
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_journal_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change()"
        )


def downgrade() -> None:
    for table in (
        "closures",
        "donations",
        "topups",
        "matching_recipients",
        "matchings",
        "campaigns",
        "recipients",
    ):
        op.execute(f"DROP TABLE {table}")
    op.execute("DROP FUNCTION close_resident()")
