"""One controller per capability."""
