-- make_append_only(table): refuse UPDATE, DELETE and TRUNCATE on it, also in replica mode.
CREATE FUNCTION make_append_only(target regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    base text := (SELECT relname FROM pg_class WHERE oid = target);
    row_trigger text := base || '_append_only';
    truncate_trigger text := base || '_no_truncate';
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', row_trigger, target);
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', truncate_trigger, target);
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION refuse_journal_change()', row_trigger, target);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change()', truncate_trigger, target);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', target, row_trigger);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', target, truncate_trigger);
END $$;

REVOKE EXECUTE ON FUNCTION make_append_only(regclass) FROM PUBLIC;

-- 0004's three tables, whose triggers were only enabled for origin sessions.
SELECT make_append_only('topups');
SELECT make_append_only('donations');
SELECT make_append_only('closures');
