"""The catalog is the one list of entry kinds and error codes: every kind has its labels and its place in the
auditor's series, every code its status, what derives from it agrees with it, and no code is raised in the
source that it does not hold."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import mitapo
from mitapo.audit import desk
from mitapo.engine import catalog
from mitapo.engine.catalog import CODES, KINDS, MIRROR, SERIES, Code, Kind, Place
from mitapo.engine.chart import JPY, PT
from mitapo.engine.errors import DomainError
from mitapo.http import errors
from mitapo.points import statements
from mitapo.web import i18n

SRC = Path(mitapo.__file__).parent

# What the hand-written lists said before the catalog: the catalog keeps every word of them.
FORMER_SERIES = {
    PT: {
        "funded": {"funding": 1},
        "granted": {"grant": 1, "bonus": 1, "cashback": 1, "match": 1},
        "spent": {"payment": 1, "fare": 1, "refund": -1},
        "donated": {"donation": 1},
        "expired": {"expiry": 1},
    },
    JPY: {"charged": {"topup": 1}, "spent": {"payment": 1, "fare": 1, "refund": -1}},
}
FORMER_DESCRIPTIONS = {
    "expiry": "points expired",
    "gift": "gift",
    "donation": "donation",
    "topup": "money charged",
    "bonus": "charge bonus",
    "refund": "refund",
    "fare": "bus fare",
    "reversal": "correction",
}
FORMER_STATUS = {
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "validation_error": 400,
    "idempotency_key_required": 400,
    "idempotency_mismatch": 422,
    "insufficient_funds": 422,
    "budget_exhausted": 422,
    "cap_exceeded": 422,
    "already_claimed": 409,
    "already_reversed": 409,
    "code_expired": 422,
    "code_invalid": 422,
    "code_used": 409,
    "event_not_open": 422,
    "event_full": 409,
    "gifting_disabled": 403,
    "refund_exceeds_payment": 422,
    "duplicate_external_ref": 409,
    "balance_limit_exceeded": 422,
    "hold_not_pending": 409,
    "already_settled": 409,
    "account_closed": 409,
    "holds_pending": 409,
    "tap_in_future": 422,
    "tap_too_old": 422,
    "route_code_taken": 409,
    "route_not_bookable": 422,
    "booking_closed": 409,
    "transit_busy": 409,
    "rate_limited": 429,
    "locked_out": 429,
    "velocity_exceeded": 422,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "database_unavailable": 503,  # answered by `problem` directly
    "internal_error": 500,
    "sealer_stuck": 503,  # the readiness probe's
}


def test_every_kind_has_both_labels_and_a_place_in_the_series() -> None:
    assert set(KINDS) == set(Kind)
    for kind, facts in KINDS.items():
        assert facts.ja and facts.en, kind
        assert facts.ja != facts.en, kind
        places = () if facts.places == MIRROR else facts.places
        for place in places:
            assert place.series in SERIES[place.asset], (kind, place)
            assert place.sign in (1, -1)


def test_the_series_are_the_former_ones_and_a_reversal_mirrors_what_it_reverses() -> None:
    derived = {
        asset: {
            name: {
                kind.value: place.sign
                for kind in Kind
                for place in catalog.series_places(kind)
                if (place.asset, place.series) == (asset, name)
            }
            for name in names
        }
        for asset, names in SERIES.items()
    }
    assert derived == FORMER_SERIES
    assert catalog.series_places("reversal", "grant") == (Place(PT, "granted", -1),)
    assert catalog.series_places("reversal", "refund") == (Place(PT, "spent", 1), Place(JPY, "spent", 1))
    assert catalog.series_places("reversal", "gift") == ()
    assert catalog.series_places("reversal", "reversal") == ()
    assert catalog.series_places("reversal") == ()
    assert catalog.series_places("no_such_kind") == ()


def test_every_code_has_a_status_and_keeps_the_former_one() -> None:
    assert set(CODES) == set(Code)
    for code, facts in CODES.items():
        assert 400 <= facts.status <= 599, code
        assert code.value.strip("_").replace("_", "").isalpha(), code
    assert {code: Code(code).status for code in FORMER_STATUS} == FORMER_STATUS
    # raised without a status before, answered 422 by accident
    assert Code.ALREADY_AWARDED.status == Code.ALREADY_EXPIRED.status == 409
    assert Code.INTERNAL.status == 500


def test_the_status_map_is_the_catalog() -> None:
    assert {code.value: facts.status for code, facts in CODES.items()} == errors.STATUS


def test_the_pages_name_exactly_the_catalog_kinds() -> None:
    words = {key: pair for key, pair in i18n.MESSAGES.items() if key.startswith("kind_")}
    assert words == {f"kind_{kind.value}": (facts.ja, facts.en) for kind, facts in KINDS.items()}
    assert "kind_hold" not in i18n.MESSAGES and "kind_release" not in i18n.MESSAGES  # never posted


def test_the_statement_words_are_the_former_ones() -> None:
    assert statements.DESCRIPTIONS == FORMER_DESCRIPTIONS


def test_the_journal_filter_offers_every_kind_and_no_other() -> None:
    assert set(desk.JOURNAL_KINDS) == {kind.value for kind in Kind}
    template = (SRC / "web" / "templates" / "audit" / "journal.html").read_text()
    assert "{% for kind in kinds %}" in template  # the page lists what the filter accepts, not its own list


def test_an_unknown_code_cannot_be_raised() -> None:
    assert DomainError("code_used").code is Code.CODE_USED
    with pytest.raises(ValueError, match="no_such_code"):
        DomainError("no_such_code")


# Where a code is written in the source: (callee, position of its code argument). Keywords `code=`,
# `shortfall_code=` and the values of `shortfall_codes=` count too, and so do comparisons with `.code`.
CODE_ARGUMENT = {
    "DomainError": 0,
    "Refusal": 0,
    "Rejected": 0,
    "Limited": 0,
    "Once": 1,
    "Limit": 3,
    "Ceiling": 3,
    "problem": 1,
}


VERIFIER_PROBLEMS = {"unanchored", "no_checkpoint"}  # mitapo_ledger's report, not refusals of the service


def _constants(tree: ast.Module) -> dict[str, tuple[str, ...]]:
    """The module's top-level names bound to a string or a tuple of strings."""
    found: dict[str, tuple[str, ...]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            strings = _strings(node.value, {})
            if strings is not None:
                found[node.targets[0].id] = strings
    return found


def _strings(node: ast.expr, names: dict[str, tuple[str, ...]]) -> tuple[str, ...] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        parts = [_strings(element, names) for element in node.elts]
        if all(part is not None for part in parts):
            return tuple(s for part in parts if part is not None for s in part)
    return None


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _code_nodes(call: ast.Call) -> Iterator[ast.expr]:
    position = CODE_ARGUMENT.get(_callee(call))
    if position is not None and len(call.args) > position:
        yield call.args[position]
    for keyword in call.keywords:
        if keyword.arg == "shortfall_code" or (keyword.arg == "code" and position is not None):
            yield keyword.value
        if keyword.arg == "shortfall_codes" and isinstance(keyword.value, ast.Dict):
            yield from keyword.value.values


def _compared(node: ast.Compare) -> Iterator[ast.expr]:
    """`x.code == "…"`, `x.code in ("…", NAME)`: the codes a refusal is told apart by."""
    if isinstance(node.left, ast.Attribute) and node.left.attr == "code":
        yield from node.comparators


def raised_codes() -> Iterator[tuple[str, int, str]]:
    """(file, line, code) for every code string the source raises, refuses with or tells refusals apart by."""
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        names = _constants(tree)
        for node in ast.walk(tree):
            nodes = (
                _code_nodes(node)
                if isinstance(node, ast.Call)
                else _compared(node)
                if isinstance(node, ast.Compare)
                else ()
            )
            for code_node in nodes:
                for code in _strings(code_node, names) or ():
                    yield str(path.relative_to(SRC)), code_node.lineno, code


def test_every_code_the_source_raises_is_in_the_catalog() -> None:
    found = list(raised_codes())
    codes = {code for _, _, code in found}
    assert len(found) > 60, "the walk found too few codes to be looking in the right places"
    assert {"code_used", "already_awarded", "already_expired", "internal", "nothing_due"} <= codes
    known = set(Code) | VERIFIER_PROBLEMS
    unknown = [f"{path}:{line}: {code}" for path, line, code in found if code not in known]
    assert unknown == []
