DROP TABLE settlement_transfers;
