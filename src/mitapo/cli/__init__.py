"""The `mitapo` command."""
