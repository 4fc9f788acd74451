ALTER TABLE programs ADD COLUMN max_points_per_event bigint CHECK (max_points_per_event > 0);

CREATE TABLE program_organizers (
    program_id   text NOT NULL REFERENCES programs (id),
    organizer_id text NOT NULL REFERENCES principals (id),
    granted_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program_id, organizer_id)
);

-- A donor is named in public only when the resident chose it; every donation made before this revision was
-- named by default, not by choice, so it becomes anonymous too.
ALTER TABLE donations ADD COLUMN public_name boolean NOT NULL DEFAULT false;

-- A bus's reader, with its own Ed25519 key: a tap it signed proves when it read the pay code.
CREATE TABLE transit_readers (
    id          text PRIMARY KEY,
    operator_id text NOT NULL REFERENCES transit_operators (id),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    public_key  bytea NOT NULL UNIQUE CHECK (length(public_key) = 32),
    created_at  timestamptz NOT NULL DEFAULT now()
);
