CREATE TABLE payee_bank_accounts (
    id                  uuid PRIMARY KEY,
    party_kind          text NOT NULL CHECK (party_kind IN ('recipient', 'operator')),
    party_id            text NOT NULL CHECK (length(party_id) BETWEEN 1 AND 100),
    bank_code           text NOT NULL CHECK (bank_code ~ '^[0-9]{4}$'),
    bank_name_kana      text NOT NULL,
    branch_code         text NOT NULL CHECK (branch_code ~ '^[0-9]{3}$'),
    branch_name_kana    text NOT NULL,
    account_type        text NOT NULL CHECK (account_type IN ('ordinary', 'current', 'savings')),
    account_number      text NOT NULL CHECK (account_number ~ '^[0-9]{7}$'),
    account_holder_kana text NOT NULL CHECK (octet_length(convert_to(account_holder_kana, 'SJIS')) <= 30),
    created_at          timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX payee_bank_accounts_newest ON payee_bank_accounts (party_kind, party_id, created_at DESC);

SELECT make_append_only('payee_bank_accounts');

-- Cashback taken back by refunds made after the credit (payments/clawbacks.py): per refund and campaign month,
-- the points taken from the resident back to the program's budget, and what the resident had already spent
-- (owed, paid down by the resident's next cashback: a row with no refund and a negative points_owed).
CREATE TABLE cashback_clawbacks (
    id            uuid PRIMARY KEY,
    refund_id     text,
    campaign_id   text NOT NULL REFERENCES cashback_campaigns (id),
    resident_id   text NOT NULL,
    month         text NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
    points_clawed bigint NOT NULL CHECK (points_clawed >= 0),
    points_owed   bigint NOT NULL,
    entry_id      uuid,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK ((refund_id IS NOT NULL AND points_owed >= 0) OR (refund_id IS NULL AND points_owed < 0 AND points_clawed = 0))
);

CREATE INDEX cashback_clawbacks_month ON cashback_clawbacks (campaign_id, resident_id, month);
CREATE INDEX cashback_clawbacks_resident ON cashback_clawbacks (resident_id);

SELECT make_append_only('cashback_clawbacks');

-- A refund after the shop was settled is accepted (issue 21): a shop's receivable may go below zero, and the
-- next settlement nets it. Its settlement line may then carry a negative asset (money refunded, points paid),
-- but never a payout of zero or less: a shop that ends a period owing has no line, and owes it on.
ALTER TABLE balances DROP CONSTRAINT balances_account_normal_sign_may_go_negative_fkey;
UPDATE accounts SET may_go_negative = true WHERE code ~ '^merchant:[^:]+[:]receivable$';
UPDATE balances SET may_go_negative = true WHERE account ~ '^merchant:[^:]+[:]receivable$';
ALTER TABLE balances ADD CONSTRAINT balances_account_normal_sign_may_go_negative_fkey
    FOREIGN KEY (account, normal_sign, may_go_negative) REFERENCES accounts (code, normal_sign, may_go_negative);
ALTER TABLE settlement_lines DROP CONSTRAINT settlement_lines_points_check;
ALTER TABLE settlement_lines DROP CONSTRAINT settlement_lines_money_check;
ALTER TABLE settlement_lines ADD CONSTRAINT settlement_lines_pays CHECK (payout > 0);

-- JPQR (issue 21): a shop's postal code (tag 61) and its 統一店舗識別コード (the JPQR-ID, 29 digits: the shop's
-- 13 and the city's configured operator code of 16), so its code carries the JPQR template beside みたポ's.
ALTER TABLE merchants ADD COLUMN postal_code text CHECK (postal_code ~ '^[0-9]{7}$');
ALTER TABLE merchants ADD COLUMN jpqr_id text CHECK (jpqr_id ~ '^[0-9]{29}$');
