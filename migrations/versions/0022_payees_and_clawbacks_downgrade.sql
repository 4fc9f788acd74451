ALTER TABLE merchants DROP COLUMN jpqr_id;
ALTER TABLE merchants DROP COLUMN postal_code;
ALTER TABLE settlement_lines DROP CONSTRAINT settlement_lines_pays;
ALTER TABLE settlement_lines ADD CONSTRAINT settlement_lines_points_check CHECK (points >= 0);
ALTER TABLE settlement_lines ADD CONSTRAINT settlement_lines_money_check CHECK (money >= 0);
ALTER TABLE balances DROP CONSTRAINT balances_account_normal_sign_may_go_negative_fkey;
UPDATE accounts SET may_go_negative = false WHERE code ~ '^merchant:[^:]+[:]receivable$';
UPDATE balances SET may_go_negative = false WHERE account ~ '^merchant:[^:]+[:]receivable$';
ALTER TABLE balances ADD CONSTRAINT balances_account_normal_sign_may_go_negative_fkey
    FOREIGN KEY (account, normal_sign, may_go_negative) REFERENCES accounts (code, normal_sign, may_go_negative);
DROP TABLE cashback_clawbacks;
DROP TABLE payee_bank_accounts;
