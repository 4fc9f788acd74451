CREATE TABLE merchants (
    id                  text PRIMARY KEY REFERENCES principals (id),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    name_ascii          text NOT NULL CHECK (name_ascii ~ '^[\x20-\x7e]{1,25}$'),
    city                text NOT NULL CHECK (length(city) BETWEEN 1 AND 100),
    city_ascii          text NOT NULL CHECK (city_ascii ~ '^[\x20-\x7e]{1,15}$'),
    mcc                 text NOT NULL CHECK (mcc ~ '^[0-9]{4}$'),
    fee_bps             integer NOT NULL CHECK (fee_bps BETWEEN 0 AND 10000),
    bank_code           text CHECK (bank_code ~ '^[0-9]{4}$'),
    bank_name_kana      text,
    branch_code         text CHECK (branch_code ~ '^[0-9]{3}$'),
    branch_name_kana    text,
    account_type        text CHECK (account_type IN ('ordinary', 'current', 'savings')),
    account_number      text CHECK (account_number ~ '^[0-9]{7}$'),
    account_holder_kana text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((bank_code IS NULL) = (account_number IS NULL))
);

CREATE TABLE payment_requests (
    id           text PRIMARY KEY,
    merchant_id  text NOT NULL REFERENCES merchants (id),
    amount       bigint NOT NULL CHECK (amount > 0),
    reference    text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);

CREATE TABLE payments (
    n            bigserial UNIQUE,
    id           text PRIMARY KEY,
    merchant_id  text NOT NULL REFERENCES merchants (id),
    resident_id  text NOT NULL REFERENCES residents (id),
    request_id   text UNIQUE REFERENCES payment_requests (id),
    source       text NOT NULL CHECK (source IN ('dynamic', 'static', 'charge')),
    amount       bigint NOT NULL CHECK (amount > 0),
    points_used  bigint NOT NULL CHECK (points_used >= 0),
    money_used   bigint NOT NULL CHECK (money_used >= 0),
    lots         jsonb NOT NULL,
    reference    text,
    entry_id     uuid NOT NULL REFERENCES entries (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (points_used + money_used = amount)
);

CREATE INDEX payments_merchant ON payments (merchant_id, n);

CREATE INDEX payments_resident_time ON payments (resident_id, created_at);

CREATE TABLE refunds (
    id               text PRIMARY KEY,
    payment_id       text NOT NULL REFERENCES payments (id),
    seq              integer NOT NULL CHECK (seq >= 1),
    amount           bigint NOT NULL CHECK (amount > 0),
    points_refunded  bigint NOT NULL CHECK (points_refunded >= 0),
    money_refunded   bigint NOT NULL CHECK (money_refunded >= 0),
    points_expired   bigint NOT NULL CHECK (points_expired >= 0),
    entry_id         uuid NOT NULL REFERENCES entries (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (payment_id, seq),
    CHECK (points_refunded + money_refunded = amount AND points_expired <= points_refunded)
);

CREATE TABLE webhook_endpoints (
    merchant_id  text PRIMARY KEY REFERENCES merchants (id),
    url          text NOT NULL CHECK (url ~ '^https?://'),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- The outbox: written in the transaction of the entry it announces, delivered at least once afterwards.
CREATE TABLE webhook_outbox (
    id               uuid PRIMARY KEY,
    merchant_id      text NOT NULL REFERENCES merchants (id),
    type             text NOT NULL,
    payload          jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    gave_up_at       timestamptz,
    last_error       text
);

CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at)
    WHERE delivered_at IS NULL AND gave_up_at IS NULL;

CREATE TABLE cashback_campaigns (
    id                 text PRIMARY KEY,
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    program_id         text NOT NULL REFERENCES programs (id),
    rate_bps           integer NOT NULL CHECK (rate_bps BETWEEN 1 AND 10000),
    monthly_cap        bigint NOT NULL CHECK (monthly_cap > 0),
    merchant_ids       text[] NOT NULL DEFAULT '{}',
    mccs               text[] NOT NULL DEFAULT '{}',
    starts_on          date NOT NULL,
    ends_on            date,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (cardinality(merchant_ids) + cardinality(mccs) > 0)
);

CREATE TABLE settlements (
    id            text PRIMARY KEY,
    period_start  timestamptz,
    period_end    timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (period_start IS NULL OR period_start < period_end)
);

CREATE TABLE settlement_lines (
    settlement_id  text NOT NULL REFERENCES settlements (id),
    account        text NOT NULL,
    party_kind     text NOT NULL CHECK (party_kind IN ('merchant', 'recipient', 'operator')),
    party_id       text NOT NULL,
    points         bigint NOT NULL CHECK (points >= 0),
    money          bigint NOT NULL CHECK (money >= 0),
    fee            bigint NOT NULL CHECK (fee >= 0 AND fee <= points + money),
    payout         bigint NOT NULL CHECK (payout = points + money - fee),
    entry_id       uuid NOT NULL REFERENCES entries (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (settlement_id, account)
);

CREATE INDEX settlement_lines_account ON settlement_lines (account, created_at);
