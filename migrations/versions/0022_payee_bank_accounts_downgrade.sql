DROP TABLE payee_bank_accounts;
