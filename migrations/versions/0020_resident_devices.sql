-- An enrollment: a one-time code printed on the city's letter. Only its SHA-256 is kept (the code is 128
-- random bits); it is used once (used_at) and never after expires_at; a newer one voids the older.
CREATE TABLE enrollments (
    id           text PRIMARY KEY,
    resident_id  text NOT NULL REFERENCES residents (id),
    code_hash    bytea NOT NULL UNIQUE CHECK (length(code_hash) = 32),
    issued_by    text REFERENCES principals (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    voided_at    timestamptz,
    CHECK (expires_at > created_at),
    CHECK (used_at IS NULL OR voided_at IS NULL)
);
CREATE INDEX enrollments_resident ON enrollments (resident_id);

-- A passkey: one device of a resident. Removed, never deleted: its sessions name it.
CREATE TABLE passkeys (
    id             text PRIMARY KEY,
    resident_id    text NOT NULL REFERENCES residents (id),
    credential_id  bytea NOT NULL UNIQUE CHECK (length(credential_id) BETWEEN 16 AND 1023),
    public_key     bytea NOT NULL,
    sign_count     bigint NOT NULL DEFAULT 0 CHECK (sign_count >= 0),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    enrollment_id  text NOT NULL REFERENCES enrollments (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_used_at   timestamptz,
    removed_at     timestamptz,
    removed_why    text CHECK (removed_why IN ('removed', 'revoked')),
    CHECK ((removed_at IS NULL) = (removed_why IS NULL))
);
CREATE INDEX passkeys_resident ON passkeys (resident_id);

-- A WebAuthn challenge, kept by the server and taken once (used_at) before it expires.
CREATE TABLE webauthn_challenges (
    id             text PRIMARY KEY,
    challenge      bytea NOT NULL CHECK (length(challenge) >= 16),
    purpose        text NOT NULL CHECK (purpose IN ('register', 'sign_in')),
    enrollment_id  text REFERENCES enrollments (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz,
    CHECK ((purpose = 'register') = (enrollment_id IS NOT NULL))
);
CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges (expires_at);

-- A resident's session: the cookie's SHA-256; ended by signing out, removing the device or revocation.
CREATE TABLE resident_sessions (
    id           text PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    resident_id  text NOT NULL REFERENCES residents (id),
    passkey_id   text REFERENCES passkeys (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz,
    ended_why    text CHECK (ended_why IN ('signed_out', 'removed', 'revoked')),
    CHECK ((ended_at IS NULL) = (ended_why IS NULL))
);
CREATE INDEX resident_sessions_resident ON resident_sessions (resident_id) WHERE ended_at IS NULL;

-- A lost phone: who revoked which resident's credentials, when and why, and how many stopped.
CREATE TABLE resident_revocations (
    id           text PRIMARY KEY,
    resident_id  text NOT NULL REFERENCES residents (id),
    reason       text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    revoked_by   text NOT NULL REFERENCES principals (id),
    revoked_at   timestamptz NOT NULL DEFAULT now(),
    passkeys     integer NOT NULL CHECK (passkeys >= 0),
    sessions     integer NOT NULL CHECK (sessions >= 0),
    enrollments  integer NOT NULL CHECK (enrollments >= 0),
    tokens       integer NOT NULL CHECK (tokens >= 0)
);
CREATE INDEX resident_revocations_resident ON resident_revocations (resident_id);
SELECT make_append_only('resident_revocations');
