ALTER TABLE residents DROP COLUMN name_key;

ALTER TABLE residents DROP COLUMN number;

DROP FUNCTION new_resident_number();

DROP FUNCTION damm_valid(text);
