"""The merchant SDK raises its own exception for every code a shop can receive.

The SDK never imports the service (it ships alone); this test imports both and holds the SDK to the service's
catalog: a code the catalog marks as reachable from a shop route, with no SDK class, fails here."""

from __future__ import annotations

import mitapo_merchant
from mitapo.engine.catalog import CODES, Code, shop_codes
from mitapo_merchant import _exceptions


def test_every_code_a_shop_can_receive_has_its_own_exception() -> None:
    reachable = shop_codes()
    assert {Code.CODE_USED, Code.VELOCITY_EXCEEDED, Code.RATE_LIMITED} <= reachable
    lacking = sorted(
        code.value for code in reachable if _exceptions.api_error_class(code.value, 0) is _exceptions.APIError
    )
    assert lacking == [], "the SDK raises these as a bare APIError"


def test_each_exception_is_exported_and_names_a_code_of_the_catalog() -> None:
    for word, cls in _exceptions._BY_CODE.items():
        assert word in set(Code), f"{cls.__name__} names {word!r}, which the service never answers"
        assert getattr(mitapo_merchant, cls.__name__) is cls
        assert cls.__name__ in mitapo_merchant.__all__
        assert cls.__name__ in (_exceptions.__doc__ or ""), f"{cls.__name__} is missing from the drawn tree"


def test_the_status_the_tree_draws_is_the_service_status() -> None:
    for line in (_exceptions.__doc__ or "").splitlines():
        parts = line.replace("├──", "").replace("└──", "").split()
        if len(parts) == 3 and parts[2].startswith("(") and parts[1] in set(Code):
            assert int(parts[2].strip("()")) == CODES[Code(parts[1])].status, line
