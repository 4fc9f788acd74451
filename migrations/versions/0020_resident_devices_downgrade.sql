DROP TABLE resident_revocations;
DROP TABLE resident_sessions;
DROP TABLE webauthn_challenges;
DROP TABLE passkeys;
DROP TABLE enrollments;
