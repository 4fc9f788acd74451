"""Everything that knows SQL: the schema's models, the engine, the group-commit writer, repositories."""
