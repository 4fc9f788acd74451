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
