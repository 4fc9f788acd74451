-- Back to 0004's triggers as they were: enabled for origin sessions only.
ALTER TABLE topups ENABLE TRIGGER topups_append_only;
ALTER TABLE topups ENABLE TRIGGER topups_no_truncate;
ALTER TABLE donations ENABLE TRIGGER donations_append_only;
ALTER TABLE donations ENABLE TRIGGER donations_no_truncate;
ALTER TABLE closures ENABLE TRIGGER closures_append_only;
ALTER TABLE closures ENABLE TRIGGER closures_no_truncate;

DROP FUNCTION make_append_only(regclass);
