CREATE TABLE settlement_transfers (
    settlement_id  text PRIMARY KEY REFERENCES settlements (id),
    transferred_on date NOT NULL,
    reference      text CHECK (reference IS NULL OR length(reference) BETWEEN 1 AND 100),
    recorded_by    text NOT NULL REFERENCES principals (id),
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
SELECT make_append_only('settlement_transfers');
