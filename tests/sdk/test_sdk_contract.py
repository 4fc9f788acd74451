"""The SDK's models against the service's OpenAPI document: the contract is the document, and the SDK copies
the shapes of the shop routes by hand, so each model is checked here against the response schema of the route
it parses. A field the SDK needs that the route does not promise, or promises with another type, fails.

The comparison is generic over the schema (JSON Schema types, `$ref`, `oneOf`/`anyOf`, `enum`); only which
model parses which route is listed, and every model the SDK exports must be listed."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import pytest

import mitapo_merchant
from mitapo.app import create_app
from mitapo.settings import Settings
from mitapo_merchant import _models

Schema = Mapping[str, Any]


@dataclass(frozen=True)
class Parses:
    """`model` is built from the answer of `method path` (`status`), or from each of its `items`;
    `client_fills` names the fields the client supplies itself when this answer lacks them."""

    model: type
    method: str
    path: str
    status: str
    items: bool = False
    client_fills: frozenset[str] = frozenset()


PARSES = (
    # The creation answer does not repeat the amount and is always open: the client fills them in; it has no
    # payment yet (the SDK leaves `payment_id` None). Reading it back gives no code: `qr_payload` stays None.
    Parses(
        _models.PaymentRequest,
        "post",
        "/v1/payment-requests",
        "201",
        client_fills=frozenset({"amount", "status", "payment_id", "reference"}),
    ),
    Parses(
        _models.PaymentRequest,
        "get",
        "/v1/payment-requests/{request_id}",
        "200",
        client_fills=frozenset({"qr_payload"}),
    ),
    Parses(_models.Payment, "post", "/v1/charges", "201"),
    Parses(_models.Payment, "get", "/v1/merchant/payments", "200", items=True),
    Parses(_models.Page, "get", "/v1/merchant/payments", "200"),
    Parses(_models.Refund, "post", "/v1/payments/{payment_id}/refunds", "201"),
)


@pytest.fixture(scope="module")
def document() -> Schema:
    app = create_app(Settings.from_env(), url="postgresql://contract.invalid/none")
    return app.openapi_schema.to_schema()


def test_every_model_the_sdk_exports_is_checked() -> None:
    exported = {getattr(_models, name) for name in _models.__all__}
    models = {m for m in exported if dataclasses.is_dataclass(m)}
    assert models <= {p.model for p in PARSES}
    assert models <= {getattr(mitapo_merchant, m.__name__) for m in models}


@pytest.mark.parametrize("parses", PARSES, ids=lambda p: f"{p.model.__name__}:{p.method} {p.path}")
def test_sdk_model_matches_the_route_it_parses(document: Schema, parses: Parses) -> None:
    answer = response_schema(document, parses.method, parses.path, parses.status)
    if parses.items:
        answer = resolve(document, property_schema(document, answer, "items")["items"])
    assert mismatches(document, parses.model, answer, parses.client_fills) == []


# --- the comparison, proved on routes this branch has typed ------------------------------------------------


@dataclass(frozen=True)
class Balances:
    points: int
    money: int


@dataclass(frozen=True)
class Resident:
    id: str
    name: str
    fare_category: str
    balances: Balances
    points_expiring: tuple[object, ...]


@dataclass(frozen=True)
class ResidentMisread:
    id: int  # a string in the document
    name: str | None
    nickname: str  # not in the document
    balances: str  # an object in the document


@dataclass(frozen=True)
class Event:
    id: str
    starts_at: datetime
    capacity: int | None = None


@dataclass(frozen=True)
class EventMisread:
    capacity: int  # nullable in the document
    title: Literal["a", "b"]  # any string in the document


def test_a_model_that_matches_its_route_has_no_mismatch(document: Schema) -> None:
    assert mismatches(document, Resident, response_schema(document, "get", "/v1/me", "200")) == []
    assert mismatches(document, Event, response_schema(document, "get", "/v1/events/{event_id}", "200")) == []


def test_a_model_that_does_not_match_its_route_is_caught(document: Schema) -> None:
    found = mismatches(document, ResidentMisread, response_schema(document, "get", "/v1/me", "200"))
    assert [problem.split(":")[0] for problem in found] == ["id", "nickname", "balances"]
    event = response_schema(document, "get", "/v1/events/{event_id}", "200")
    assert [p.split(":")[0] for p in mismatches(document, EventMisread, event)] == ["capacity", "title"]


# --- reading the document ----------------------------------------------------------------------------------


def response_schema(document: Schema, method: str, path: str, status: str) -> Schema:
    operation = document["paths"][path][method]
    content = operation["responses"][status].get("content", {})
    assert "application/json" in content, f"{method.upper()} {path} documents no JSON answer"
    return resolve(document, content["application/json"]["schema"])


def resolve(document: Schema, schema: Schema) -> Schema:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = document["components"]["schemas"][name]
    return schema


def property_schema(document: Schema, schema: Schema, name: str) -> Schema:
    return resolve(document, schema.get("properties", {}).get(name, {}))


def alternatives(document: Schema, schema: Schema) -> Iterator[Schema]:
    """The schema's plain alternatives: `oneOf`/`anyOf` flattened, `type: [a, b]` split."""
    schema = resolve(document, schema)
    branches = schema.get("oneOf") or schema.get("anyOf")
    if branches:
        for branch in branches:
            yield from alternatives(document, branch)
    elif isinstance(schema.get("type"), list):
        for kind in schema["type"]:
            yield {**schema, "type": kind}
    else:
        yield schema


# --- comparing ---------------------------------------------------------------------------------------------


def mismatches(
    document: Schema, model: type, schema: Schema, client_fills: frozenset[str] = frozenset()
) -> list[str]:
    """`field: why` for every field of the dataclass `model` the object `schema` does not promise as typed."""
    hints = typing.get_type_hints(model)
    required = set(schema.get("required", ()))
    found = []
    for field in dataclasses.fields(model):
        if field.name in client_fills and field.name not in schema.get("properties", {}):
            continue
        problem = _field_problem(document, schema, field, hints[field.name], field.name in required)
        if problem:
            found.append(f"{field.name}: {problem}")
    return found


def _field_problem(
    document: Schema, schema: Schema, field: dataclasses.Field[Any], hint: Any, required: bool
) -> str | None:
    if field.name not in schema.get("properties", {}):
        return "not in the document"
    kinds = list(alternatives(document, schema["properties"][field.name]))
    optional = _has_default(field) or _allows_none(hint)
    if not optional and (not required or any(k.get("type") == "null" for k in kinds)):
        return "the SDK requires it; the document lets it be absent or null"
    wanted = _without_none(hint)
    for kind in kinds:
        if kind.get("type") != "null" and not _fits(document, wanted, kind):
            return f"the document says {kind}, the SDK reads {wanted}"
    return None


def _fits(document: Schema, hint: Any, schema: Schema) -> bool:
    """Whether every value `schema` allows is one the SDK's `hint` accepts."""
    origin = typing.get_origin(hint)
    kind = schema.get("type")
    if hint is object or hint is Any or isinstance(hint, typing.TypeVar):
        return True
    if origin is Literal:
        allowed = set(typing.get_args(hint))
        enum = schema.get("enum", [schema["const"]] if "const" in schema else None)
        return enum is not None and set(enum) <= allowed
    if origin in (tuple, list):
        items = resolve(document, schema.get("items", {}))
        return kind == "array" and all(
            _fits(document, typing.get_args(hint)[0], i) for i in alternatives(document, items)
        )
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return kind == "object" and mismatches(document, hint, schema) == []
    simple = {str: "string", int: "integer", bool: "boolean", float: "number", datetime: "string"}
    return simple.get(hint) == kind or (hint is float and kind == "integer")


def _has_default(field: dataclasses.Field[Any]) -> bool:
    return field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING


def _allows_none(hint: Any) -> bool:
    return type(None) in typing.get_args(hint) and typing.get_origin(hint) in (typing.Union, types.UnionType)


def _without_none(hint: Any) -> Any:
    if not _allows_none(hint):
        return hint
    rest = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    return rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]  # noqa: UP007
