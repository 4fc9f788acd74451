"""The domain's refusals: one stable snake_case code each, from the catalog (`engine.catalog.Code`;
the codes users read are in docs/api.md)."""

from __future__ import annotations

from mitapo.engine.catalog import Code


class DomainError(Exception):
    """A request the domain refuses; it has written nothing.

    The code must be one of the catalog's: an unknown one fails here, loudly, instead of reaching a caller
    as a code no status, page or SDK knows."""

    def __init__(self, code: Code | str, detail: str = "") -> None:
        known = Code(code)
        super().__init__(detail or known.value)
        self.code = known
        self.detail = detail or known.value.replace("_", " ")


class NotFound(DomainError):
    def __init__(self, what: str) -> None:
        super().__init__(Code.NOT_FOUND, f"{what} not found")


class Invalid(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(Code.VALIDATION_ERROR, detail)
