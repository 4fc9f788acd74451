-- A checkpoint states the genesis (seq 0) or a seal's own seq and hash.
ALTER TABLE checkpoints DROP CONSTRAINT checkpoints_seq_fkey;
ALTER TABLE checkpoints ADD CONSTRAINT checkpoints_seq_not_negative CHECK (seq >= 0);

CREATE FUNCTION checkpoint_states_a_seal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq = 0 AND NEW.hash = decode(repeat('00', 32), 'hex') THEN
        RETURN NEW;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM seals WHERE seq = NEW.seq AND hash = NEW.hash) THEN
        RAISE EXCEPTION 'checkpoint seq % does not state the seal at that seq', NEW.seq
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER checkpoints_state_a_seal BEFORE INSERT ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION checkpoint_states_a_seal();
ALTER TABLE checkpoints ENABLE ALWAYS TRIGGER checkpoints_state_a_seal;

-- An independent party's key: its kid is derived from the key, as a signing key's is.
CREATE TABLE witnesses (
    kid         text PRIMARY KEY CHECK (kid ~ '^[0-9a-f]{16}$'),
    public_key  bytea NOT NULL UNIQUE CHECK (length(public_key) = 32),
    name        text NOT NULL CHECK (name <> ''),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A witness's signature over a checkpoint it checked extends the last one it cosigned.
CREATE TABLE cosignatures (
    seq          bigint NOT NULL REFERENCES checkpoints (seq),
    witness      text NOT NULL REFERENCES witnesses (kid),
    cosigned_at  timestamptz NOT NULL,
    signature    bytea NOT NULL CHECK (length(signature) = 64),
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (seq, witness)
);

SELECT make_append_only('witnesses');
SELECT make_append_only('cosignatures');
