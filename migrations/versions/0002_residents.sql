CREATE TABLE residents (
    id            text PRIMARY KEY REFERENCES principals (id),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    fare_category text NOT NULL DEFAULT 'adult'
                  CHECK (fare_category IN ('adult', 'child', 'concession')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    closed_at     timestamptz
);
