DROP TABLE staff_actions;

DROP TABLE retired_secrets;

ALTER TABLE principals DROP COLUMN revoked_at;

DELETE FROM principals WHERE role = 'clerk';

ALTER TABLE principals DROP CONSTRAINT principals_role_check;
ALTER TABLE principals ADD CONSTRAINT principals_role_check
    CHECK (role IN ('admin', 'auditor', 'organizer', 'resident', 'merchant', 'operator'));
