"""Fuzzing the API with schemathesis against its own OpenAPI document."""
