ALTER TABLE principals DROP CONSTRAINT principals_role_check;
ALTER TABLE principals ADD CONSTRAINT principals_role_check
    CHECK (role IN ('admin', 'auditor', 'organizer', 'resident', 'merchant', 'operator', 'clerk'));

ALTER TABLE principals ADD COLUMN revoked_at timestamptz;

CREATE TABLE retired_secrets (
    secret_hash   bytea PRIMARY KEY,
    principal_id  text NOT NULL REFERENCES principals (id),
    retired_at    timestamptz NOT NULL DEFAULT now(),
    valid_until   timestamptz NOT NULL
);

CREATE INDEX retired_secrets_principal ON retired_secrets (principal_id);

CREATE TABLE staff_actions (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    actor    text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    action   text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_.]{0,62}$'),
    subject  text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    reason   text NOT NULL DEFAULT '' CHECK (length(reason) <= 1000)
);

CREATE INDEX staff_actions_subject ON staff_actions (subject, id);

SELECT make_append_only('staff_actions');
