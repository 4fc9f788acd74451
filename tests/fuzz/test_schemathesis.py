"""Schemathesis against the service's own OpenAPI document (`/schema/openapi.json`), the service running as
`mitapo serve` on a seeded town: every operation, generated and mutated requests, every check schemathesis
has (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
response_headers_conformance, positive_data_acceptance, negative_data_rejection, missing_required_header,
unsupported_method, allow_header_conformance, ignored_auth, use_after_free, ensure_resource_availability,
object_level_authorization). Each request carries the secret of a role the operation allows (taking turns
among them) and an Idempotency-Key, as a real client's would. No operation may answer 5xx or contradict
its own document.

A request valid by the document may still be refused by the domain: a code that is well formed but not
signed, an amount more than the wallet holds, a gift to oneself. positive_data_acceptance therefore accepts
the domain's refusals (400 and 422 with a problem code) besides its defaults."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import PositiveDataAcceptanceConfig

from mitapo.http.auth import ANY_ROLE
from tests.api.passkey_support import SoftAuthenticator
from tests.api.test_bola import ANY, declared
from tests.api.test_transit_signed_taps import public_key
from tests.conftest import copy_database, drop_database
from tests.deploy.processes import VENV_BIN, free_port, service_env, serving
from tests.faults import town

pytestmark = pytest.mark.slow
MAX_EXAMPLES = 25
DOMAIN_REFUSALS = ["400", "422"]


@dataclass
class Served:
    base_url: str
    secrets: dict[str, str]
    roles: dict[str, set[str]]
    ids: dict[str, str]
    turns: dict[str, Iterator[str]] = field(default_factory=dict)
    sent: int = 0

    def secret_for(self, method: str, path: str) -> str | None:
        """The secret of the next role allowed to call `method path`; none for a public operation."""
        allowed = self.roles.get(f"{method} {_template(path)}", {ANY})  # /healthz, /readyz: anyone
        if allowed == {ANY}:
            return None
        turn = self.turns.setdefault(f"{method} {path}", itertools.cycle(sorted(allowed)))
        return self.secrets[next(turn)]


def _template(path: str) -> str:
    parts = path.split("/")
    return "/".join("{}" if part.startswith("{") else part for part in parts)


class Seeder:
    """Requests that make the town's objects, each expected to succeed."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def made(self, secret: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": uuid.uuid4().hex}
        answer = await self.http.post(path, json=body, headers=headers)
        assert answer.status_code in (200, 201), f"{path}: {answer.text}"
        made: dict[str, Any] = answer.json()
        return made


async def _enrolled_device(http: httpx.AsyncClient, admin: str, resident_id: str, base_url: str) -> str:
    """A phone of the resident, enrolled with a software authenticator (tests/api/passkey_support.py)."""
    headers = {"Authorization": f"Bearer {admin}"}
    issued = await http.post(f"/v1/residents/{resident_id}/enrollments", headers=headers)
    options = await http.post("/v1/enrollments/passkey-options", json={"code": issued.json()["code"]})
    started = options.json()
    origin = base_url.replace("127.0.0.1", "localhost")  # `mitapo serve`'s default public URL
    credential = SoftAuthenticator().create(started["public_key"], origin=origin)
    body = {"challenge_id": started["challenge_id"], "credential": credential}
    enrolled = await http.post("/v1/enrollments/passkey", json=body)
    assert enrolled.status_code == 201, enrolled.text
    return str(enrolled.json()["device_id"])


async def _seed(base_url: str, url: str, state: Path) -> tuple[dict[str, str], dict[str, str]]:
    """A town with one of everything: every role's secret, and a real id for every path parameter."""
    admin, auditor = await town.first_secrets(url, state)
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        the_town = await town.build(http, admin, auditor, residents=2, shops=2, events=2, hours=1)
        seed = Seeder(http)
        resident, shop = the_town.residents[0], the_town.shops[0]
        operator = await seed.made(admin.secret, "/v1/transit/operators", {"name": "AIデマンド"})
        area = {"operator_id": operator["id"], "code": "area-1", "name": "東部", "kind": "on_demand"}
        route = await seed.made(admin.secret, "/v1/transit/routes", area)
        booking = await seed.made(resident.secret, "/v1/transit/bookings", {"route_id": route["id"]})
        reader = {"public_key": public_key(Ed25519PrivateKey.generate()), "name": "bus 1"}
        reader = await seed.made(operator["api_key"], "/v1/transit/readers", reader)
        paid = await seed.made(
            resident.secret, "/v1/payments", {"qr_payload": shop.qr_payload, "amount": 500}
        )
        request = await seed.made(shop.secret, "/v1/payment-requests", {"amount": 300})
        program = await seed.made(admin.secret, "/v1/programs", {"name": "緑化", "points_valid_days": 90})
        grant = {"organizer_id": the_town.organizer.id}  # one grant to withdraw
        await seed.made(admin.secret, f"/v1/programs/{program['id']}/organizers", grant)
        recipient = await seed.made(admin.secret, "/v1/recipients", {"name": "こども食堂"})
        settlement = await seed.made(admin.secret, "/v1/settlements", {})
        clerk = await seed.made(admin.secret, "/v1/clerks", {"name": "市民課 窓口"})
        revocable = await seed.made(admin.secret, "/v1/clerks", {"name": "取り消される窓口"})
        cards = f"/v1/residents/{the_town.residents[1].id}/cards"
        card = await seed.made(admin.secret, cards, {"pin": "1234"})
        device = await _enrolled_device(http, admin.secret, resident.id, base_url)
    secrets = {
        "admin": admin.secret,
        "auditor": auditor.secret,
        "organizer": the_town.organizer.secret,
        "resident": resident.secret,
        "merchant": shop.secret,
        "operator": operator["api_key"],
        "clerk": clerk["token"],
    }
    ids = {
        "event_id": the_town.events[0],
        "merchant_id": shop.id,
        "resident_id": the_town.residents[1].id,
        "booking_id": booking["id"],
        "payment_id": paid["id"],
        "entry_id": paid["entry_id"],
        "request_id": request["id"],
        "program_id": program["id"],
        "organizer_id": the_town.organizer.id,
        "recipient_id": recipient["id"],
        "party_kind": "recipient",
        "party_id": recipient["id"],
        "settlement_id": settlement["id"],
        "principal_id": revocable["id"],  # revoked by the fuzzing: no secret above is its
        "card_number": card["card_number"],
        "device_id": device,
        "reader_id": reader["id"],
    }
    return secrets, ids


@pytest.fixture
def served(pg_server: str, template_database: str, tmp_path: Path) -> Iterator[Served]:
    url = asyncio.run(copy_database(pg_server, template_database))
    state = tmp_path / "state"
    port = free_port()
    # ignored_auth probes with bad secrets, again and again
    env = service_env(url, state, MITAPO_BAD_SECRETS_PER_ADDRESS="0", MITAPO_BAD_SECRETS_PER_CREDENTIAL="0")
    command = [str(VENV_BIN / "mitapo"), "serve", "--port", str(port)]
    try:
        with serving(command, env, port, tmp_path / "service.log") as base_url:
            from mitapo.app import create_app

            roles = declared(create_app())
            secrets, ids = asyncio.run(_seed(base_url, url, state))
            assert set(secrets) == set(ANY_ROLE)
            yield Served(base_url, secrets, roles, ids)
    finally:
        asyncio.run(drop_database(pg_server, url))


@pytest.fixture
def openapi(served: Served) -> Any:
    schema = schemathesis.openapi.from_url(f"{served.base_url}/schema/openapi.json")
    generation = schema.config.generation
    generation.with_security_parameters = False  # the test sends a real secret; ignored_auth probes without
    generation.allow_extra_parameters = False  # an unknown query parameter is ignored, as HTTP allows
    acceptance = schema.config.checks.positive_data_acceptance
    schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
        expected_statuses=[*acceptance.expected_statuses, *DOMAIN_REFUSALS]
    )
    # A body over the size limit is refused with 413 before it is read, which schemathesis does not count as
    # a rejection (a list of 1,000+ merchant ids failed a run).
    rejection = schema.config.checks.negative_data_rejection
    schema.config.checks.negative_data_rejection = type(rejection)(
        expected_statuses=[*rejection.expected_statuses, "413"]
    )
    return schema


load_all_checks()
EVERY_CHECK = CHECKS.get_all()
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def test_no_operation_answers_5xx_or_breaks_its_own_schema(openapi: Any, served: Served) -> None:
    failures = []
    operations = [result.ok() for result in openapi.get_all_operations()]
    assert len(operations) > 60, "the document lost operations"
    for operation in operations:
        real = {p.name: served.ids[p.name] for p in operation.path_parameters}
        runs: list[tuple[GenerationMode, dict[str, str]]] = [(mode, {}) for mode in MODES] + (
            [(GenerationMode.POSITIVE, real)] if real else []
        )
        for mode, path_parameters in runs:
            try:
                _fuzz(operation, mode, served, path_parameters)
            except Unsatisfiable:  # nothing to break: an operation with no parameters and no body
                assert mode == GenerationMode.NEGATIVE, operation.label
            except (AssertionError, BaseExceptionGroup) as failure:  # every operation is fuzzed; all reported
                on = " on real objects" if path_parameters else ""
                failures.append(f"{operation.label} ({mode.value}{on}): {failure}")
    assert not failures, "\n\n".join(failures)
    assert served.sent > 10 * len(operations), f"only {served.sent} requests for {len(operations)} operations"


def _fuzz(operation: Any, mode: GenerationMode, served: Served, path_parameters: dict[str, str]) -> None:
    """Generated requests; with `path_parameters`, on the town's real objects rather than made-up ids."""

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters or None))
    @settings(
        max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def send(case: Any) -> None:
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        secret = served.secret_for(case.method, case.path)
        if secret is not None:
            headers["Authorization"] = f"Bearer {secret}"
        case.call_and_validate(base_url=served.base_url, headers=headers, checks=EVERY_CHECK)
        served.sent += 1

    send()
