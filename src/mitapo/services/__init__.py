"""Domain services: one module per capability. Each takes plain values and returns plain values; refusals are
`DomainError`s with a stable code that only `mitapo.http.errors` turns into an HTTP status."""
