CREATE TABLE accounts (
    code            text PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 200),
    kind            text NOT NULL CHECK (kind IN ('asset', 'liability', 'equity', 'income', 'expense')),
    normal_sign     smallint NOT NULL GENERATED ALWAYS AS
                        (CASE WHEN kind IN ('asset', 'expense') THEN 1 ELSE -1 END) STORED,
    may_go_negative boolean NOT NULL DEFAULT false,
    owner           text,
    expires_on      date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (code, normal_sign, may_go_negative)
);

-- One row per (account, asset): the maintained balance. `posted` is the debit-positive sum of postings;
-- `pending` the sum of pending holds. Sign and the may-go-negative flag are copied from the account (the
-- foreign key makes the copy exact) so that the non-negative rule is a plain row CHECK.
CREATE TABLE balances (
    account         text NOT NULL,
    asset           text NOT NULL CHECK (asset IN ('PT', 'JPY')),
    normal_sign     smallint NOT NULL,
    may_go_negative boolean NOT NULL,
    owner           text,
    expires_on      date,
    posted          bigint NOT NULL DEFAULT 0,
    pending         bigint NOT NULL DEFAULT 0 CHECK (pending >= 0),
    postings_count  bigint NOT NULL DEFAULT 0 CHECK (postings_count >= 0),
    PRIMARY KEY (account, asset),
    FOREIGN KEY (account, normal_sign, may_go_negative)
        REFERENCES accounts (code, normal_sign, may_go_negative),
    CONSTRAINT balance_not_negative CHECK (may_go_negative OR normal_sign * posted - pending >= 0)
);

CREATE INDEX balances_owner ON balances (owner, asset, expires_on) WHERE owner IS NOT NULL;

CREATE TABLE entries (
    id          uuid PRIMARY KEY,
    kind        text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]*$'),
    memo        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    meta        jsonb NOT NULL DEFAULT '{}'::jsonb,
    reverses    uuid UNIQUE REFERENCES entries (id)
);

CREATE INDEX entries_created_at ON entries (created_at);

CREATE INDEX entries_kind_created_at ON entries (kind, created_at);

CREATE TABLE postings (
    entry_id       uuid NOT NULL REFERENCES entries (id),
    idx            smallint NOT NULL CHECK (idx >= 0),
    account        text NOT NULL,
    asset          text NOT NULL,
    amount         bigint NOT NULL CONSTRAINT posting_not_zero CHECK (amount <> 0),
    balance_after  bigint NOT NULL,
    account_seq    bigint NOT NULL CHECK (account_seq >= 1),
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (entry_id, idx),
    FOREIGN KEY (account, asset) REFERENCES balances (account, asset),
    UNIQUE (account, asset, account_seq)
);

-- An account's balance at any past moment is the newest posting at or before it: one index lookup.
CREATE INDEX postings_account_time ON postings (account, asset, created_at, account_seq);

-- Pending debits. Not journal: a hold changes state; posting it is a journal entry.
CREATE TABLE holds (
    id          uuid PRIMARY KEY,
    account     text NOT NULL,
    asset       text NOT NULL,
    amount      bigint NOT NULL CHECK (amount > 0),
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'posted', 'voided', 'expired')),
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    entry_id    uuid REFERENCES entries (id),
    FOREIGN KEY (account, asset) REFERENCES balances (account, asset)
);

CREATE INDEX holds_pending_expiry ON holds (expires_at) WHERE status = 'pending';

-- Sealing: the writer queues each committed entry; the sealer gives it the next seq and chain hash.
CREATE TABLE seal_queue (
    entry_id uuid PRIMARY KEY REFERENCES entries (id)
);

CREATE TABLE seals (
    seq        bigint PRIMARY KEY CHECK (seq >= 1),
    entry_id   uuid NOT NULL UNIQUE REFERENCES entries (id),
    prev_hash  bytea NOT NULL CHECK (length(prev_hash) = 32),
    hash       bytea NOT NULL CHECK (length(hash) = 32),
    sealed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE signing_keys (
    kid         text PRIMARY KEY,
    public_key  bytea NOT NULL CHECK (length(public_key) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    retired_at  timestamptz
);

CREATE TABLE checkpoints (
    seq              bigint PRIMARY KEY REFERENCES seals (seq),
    hash             bytea NOT NULL CHECK (length(hash) = 32),
    signed_at        timestamptz NOT NULL,
    kid              text NOT NULL REFERENCES signing_keys (kid),
    balances_digest  bytea NOT NULL CHECK (length(balances_digest) = 32),
    signature        bytea NOT NULL CHECK (length(signature) = 64)
);

-- Things that may be used once: a check-in per resident and event, a pay code, a channel's external
-- reference, a payment request. Append-only: a spent token is never unspent.
CREATE TABLE spent_tokens (
    token         text PRIMARY KEY,
    entry_id      uuid REFERENCES entries (id),
    request_hash  bytea,
    result        jsonb,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Limits that add up: caps per resident and month, event capacity, a day's gifts.
CREATE TABLE counters (
    key    text PRIMARY KEY,
    value  bigint NOT NULL DEFAULT 0
);

CREATE TABLE idempotency_keys (
    scope         text NOT NULL,
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash  bytea NOT NULL,
    result        jsonb NOT NULL,
    entry_id      uuid REFERENCES entries (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

CREATE TABLE principals (
    id           text PRIMARY KEY,
    role         text NOT NULL
                 CHECK (role IN ('admin', 'auditor', 'organizer', 'resident', 'merchant', 'operator')),
    name         text NOT NULL,
    secret_hash  bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    disabled_at  timestamptz
);

-- Double entry: every entry's postings sum to zero per asset, and there are at least two. Checked at commit
-- (deferred), once per posting row like django-hordak, so that postings added to an old entry are caught too;
-- and a posting may only join an entry inserted by its own transaction (the writer writes both together,
-- never in a savepoint), so that not even a balanced pair can be slipped into an entry already written.
CREATE FUNCTION assert_entry_balanced(entry uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    unbalanced text;
    n integer;
BEGIN
    SELECT count(*) INTO n FROM postings WHERE entry_id = entry;
    IF n < 2 THEN
        RAISE EXCEPTION 'entry % has % posting(s); an entry needs at least two', entry, n
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT string_agg(asset || ' ' || total, ', ') INTO unbalanced FROM (
        SELECT asset, sum(amount) AS total FROM postings WHERE entry_id = entry GROUP BY asset
        HAVING sum(amount) <> 0) AS t;
    IF unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'entry % does not balance: %', entry, unbalanced USING ERRCODE = 'check_violation';
    END IF;
END $$;

CREATE FUNCTION entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM assert_entry_balanced(NEW.id);
    RETURN NULL;
END $$;

CREATE FUNCTION posting_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM entries WHERE id = NEW.entry_id AND xmin = pg_current_xact_id()::xid) THEN
        RAISE EXCEPTION 'entry % was written by an earlier transaction; postings cannot be added to it',
            NEW.entry_id USING ERRCODE = 'check_violation';
    END IF;
    PERFORM assert_entry_balanced(NEW.entry_id);
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER entry_balanced AFTER INSERT ON entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION entry_balanced();
CREATE CONSTRAINT TRIGGER posting_balanced AFTER INSERT ON postings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION posting_balanced();

CREATE FUNCTION refuse_journal_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the journal is append-only: % on % is refused; correct with a reversal entry',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

-- seq is gapless from 1 and each seal links to the one before it.
CREATE FUNCTION check_seal_links() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head_seq bigint;
    head_hash bytea;
BEGIN
    SELECT seq, hash INTO head_seq, head_hash FROM seals ORDER BY seq DESC LIMIT 1;
    IF head_seq IS NULL THEN
        head_seq := 0;
        head_hash := decode(repeat('00', 32), 'hex');
    END IF;
    IF NEW.seq <> head_seq + 1 OR NEW.prev_hash <> head_hash THEN
        RAISE EXCEPTION 'seal % does not follow the head (seq %)', NEW.seq, head_seq
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER seal_links BEFORE INSERT ON seals FOR EACH ROW EXECUTE FUNCTION check_seal_links();
ALTER TABLE seals ENABLE ALWAYS TRIGGER seal_links;

-- The journal is append-only, also under session_replication_role = replica (ENABLE ALWAYS). Later
-- migrations do the same with `SELECT make_append_only('table')` (0016).
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();
ALTER TABLE entries ENABLE ALWAYS TRIGGER entries_append_only;
ALTER TABLE entries ENABLE ALWAYS TRIGGER entries_no_truncate;

CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE ON postings
    FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER postings_no_truncate BEFORE TRUNCATE ON postings
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();
ALTER TABLE postings ENABLE ALWAYS TRIGGER postings_append_only;
ALTER TABLE postings ENABLE ALWAYS TRIGGER postings_no_truncate;

CREATE TRIGGER seals_append_only BEFORE UPDATE OR DELETE ON seals
    FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER seals_no_truncate BEFORE TRUNCATE ON seals
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();
ALTER TABLE seals ENABLE ALWAYS TRIGGER seals_append_only;
ALTER TABLE seals ENABLE ALWAYS TRIGGER seals_no_truncate;

CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();
ALTER TABLE checkpoints ENABLE ALWAYS TRIGGER checkpoints_append_only;
ALTER TABLE checkpoints ENABLE ALWAYS TRIGGER checkpoints_no_truncate;

CREATE TRIGGER spent_tokens_append_only BEFORE UPDATE OR DELETE ON spent_tokens
    FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER spent_tokens_no_truncate BEFORE TRUNCATE ON spent_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();
ALTER TABLE spent_tokens ENABLE ALWAYS TRIGGER spent_tokens_append_only;
ALTER TABLE spent_tokens ENABLE ALWAYS TRIGGER spent_tokens_no_truncate;

-- The double-entry checks fire in replica mode too.
ALTER TABLE entries ENABLE ALWAYS TRIGGER entry_balanced;
ALTER TABLE postings ENABLE ALWAYS TRIGGER posting_balanced;
