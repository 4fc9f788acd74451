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
