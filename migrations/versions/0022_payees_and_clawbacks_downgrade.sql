DROP TABLE cashback_clawbacks;
DROP TABLE payee_bank_accounts;
