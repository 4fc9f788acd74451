DROP TABLE cosignatures;
DROP TABLE witnesses;
DROP TRIGGER checkpoints_state_a_seal ON checkpoints;
DROP FUNCTION checkpoint_states_a_seal();
-- The empty journal's checkpoint has no seal to refer to.
ALTER TABLE checkpoints DISABLE TRIGGER checkpoints_append_only;
DELETE FROM checkpoints WHERE seq = 0;
ALTER TABLE checkpoints ENABLE ALWAYS TRIGGER checkpoints_append_only;
ALTER TABLE checkpoints DROP CONSTRAINT checkpoints_seq_not_negative;
ALTER TABLE checkpoints ADD CONSTRAINT checkpoints_seq_fkey FOREIGN KEY (seq) REFERENCES seals (seq);
