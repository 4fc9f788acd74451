"""The domain's refusals. One class, one stable snake_case code each (docs/api.md's error codes)."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses; it has written nothing."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail or code.replace("_", " ")


class NotFound(DomainError):
    def __init__(self, what: str) -> None:
        super().__init__("not_found", f"{what} not found")


class Invalid(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__("validation_error", detail)
