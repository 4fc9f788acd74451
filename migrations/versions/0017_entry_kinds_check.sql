ALTER TABLE entries ADD CONSTRAINT entries_kind_known CHECK (kind IN (
    'funding', 'grant', 'topup', 'bonus', 'donation', 'match', 'gift', 'payment', 'refund', 'fare', 'expiry',
    'settlement', 'reversal', 'cashback', 'closure', 'transfer'
));
