"""Passkeys (WebAuthn, with py_webauthn): the phone that opens an enrollment link registers one, and signs in
with it later. The relying party's id and origins come from the settings; every ceremony's challenge is kept
by the server and taken once, so an answer cannot be replayed. Refused: an answer for another origin or RP
id, a bad signature (another resident's key), a user handle naming another resident, a sign count that did
not grow (a cloned authenticator), a removed or revoked passkey. Every refusal rolls its transaction back,
so it writes nothing, not even the taking of its challenge."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from mitapo.accounts import device_reads, enrollments, sessions
from mitapo.accounts.sessions import Opened
from mitapo.engine import clock
from mitapo.engine.catalog import Code
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError

CHALLENGE_SECONDS = 300
RP_NAME = "みたポ"
# What a malformed answer may raise inside the library besides its own exceptions: refused, never a 500.
MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError, AttributeError, IndexError)


@dataclass(frozen=True, slots=True)
class RelyingParty:
    id: str
    origins: tuple[str, ...]
    session_days: int


@dataclass(frozen=True, slots=True)
class SignedIn:
    resident_id: str
    passkey_id: str | None
    session: Opened


def refused(detail: str) -> DomainError:
    return DomainError(Code.PASSKEY_INVALID, detail)


async def _new_challenge(
    conn: asyncpg.Connection, purpose: str, enrollment_id: str | None, now: datetime
) -> tuple[str, bytes]:
    challenge_id = f"chl_{uuid.uuid4().hex}"
    challenge = secrets.token_bytes(32)
    expires_at = now + timedelta(seconds=CHALLENGE_SECONDS)
    await device_reads.forget_old_challenges(conn, now - timedelta(hours=1))
    await device_reads.insert_challenge(
        conn, challenge_id, challenge, purpose, enrollment_id, now, expires_at
    )
    return challenge_id, challenge


async def registration_options(db: Database, rp: RelyingParty, code: str) -> dict[str, Any]:
    """What `navigator.credentials.create` needs, for the resident an open enrollment code names."""
    now = clock.now()
    async with db.raw() as conn, conn.transaction():
        found = enrollments.check_open(
            await device_reads.enrollment_by_hash(conn, enrollments.code_hash(code)), now
        )
        challenge_id, challenge = await _new_challenge(conn, "register", found.id, now)
        existing = await device_reads.existing_credentials(conn, found.resident_id)
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=RP_NAME,
        user_id=found.resident_id.encode(),
        user_name=found.resident_name,
        user_display_name=found.resident_name,
        challenge=challenge,
        timeout=CHALLENGE_SECONDS * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=c) for c in existing],
    )
    return {
        "challenge_id": challenge_id,
        "resident_name": found.resident_name,
        "public_key": json.loads(options_to_json(options)),
    }


async def register(
    db: Database, rp: RelyingParty, challenge_id: str, credential: dict[str, Any], device_name: str
) -> SignedIn:
    """Verify the new passkey against its challenge, use the enrollment code up, keep the passkey and open a
    session for this phone: all in one transaction, or nothing."""
    now = clock.now()
    async with db.raw() as conn, conn.transaction():
        taken = await device_reads.take_challenge(conn, challenge_id, "register", now)
        if taken is None:
            raise refused("this registration was started too long ago or finished already: start again")
        challenge, enrollment_id = taken
        assert enrollment_id is not None  # a registration's challenge always names its enrollment (CHECK)
        try:
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=rp.id,
                expected_origin=list(rp.origins),
            )
        except MALFORMED as error:
            raise refused(f"the passkey was not accepted: {error}") from None
        resident_id = await device_reads.use_enrollment(conn, enrollment_id, now)
        if resident_id is None:
            enrollments.check_open(await device_reads.enrollment_by_id(conn, enrollment_id), now)
            raise DomainError(Code.CODE_USED, "this enrollment code was used already")
        passkey_id = f"dev_{uuid.uuid4().hex[:16]}"
        stored = await device_reads.insert_passkey(
            conn,
            passkey_id,
            resident_id,
            verified.credential_id,
            verified.credential_public_key,
            verified.sign_count,
            device_name,
            enrollment_id,
            now,
        )
        if not stored:
            raise refused("this passkey is registered already")
        session = await sessions.open_session(conn, resident_id, passkey_id, rp.session_days, now)
    return SignedIn(resident_id, passkey_id, session)


async def sign_in_options(db: Database, rp: RelyingParty) -> dict[str, Any]:
    """What `navigator.credentials.get` needs: no resident is named, the phone offers its passkeys."""
    async with db.raw() as conn:
        challenge_id, challenge = await _new_challenge(conn, "sign_in", None, clock.now())
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=challenge,
        timeout=CHALLENGE_SECONDS * 1000,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return {"challenge_id": challenge_id, "public_key": json.loads(options_to_json(options))}


async def sign_in(db: Database, rp: RelyingParty, challenge_id: str, credential: dict[str, Any]) -> SignedIn:
    """Verify a passkey's answer to the server's challenge; open a session for its resident."""
    try:
        parsed = parse_authentication_credential_json(credential)
    except MALFORMED as error:
        raise refused(f"not a passkey's answer: {error}") from None
    now = clock.now()
    async with db.raw() as conn, conn.transaction():
        taken = await device_reads.take_challenge(conn, challenge_id, "sign_in", now)
        if taken is None:
            raise refused("this sign-in was started too long ago or answered already: start again")
        challenge, _ = taken
        passkey = await device_reads.passkey_by_credential(conn, parsed.raw_id)
        if passkey is None:
            raise DomainError(Code.UNAUTHORIZED, "this passkey is not registered with みたポ")
        if passkey.removed_why is not None:
            raise DomainError(Code.CREDENTIAL_REVOKED, "this passkey was removed or revoked; enrol again")
        handle = parsed.response.user_handle
        if handle is not None and handle != passkey.resident_id.encode():
            raise refused("the passkey's user does not match its registration")
        try:
            verified = verify_authentication_response(
                credential=parsed,
                expected_challenge=challenge,
                expected_rp_id=rp.id,
                expected_origin=list(rp.origins),
                credential_public_key=passkey.public_key,
                credential_current_sign_count=passkey.sign_count,
            )
        except MALFORMED as error:
            raise refused(f"the passkey was not accepted: {error}") from None
        if not await device_reads.advance_count(
            conn, passkey.id, passkey.sign_count, verified.new_sign_count, now
        ):
            raise refused("another sign-in with this passkey came first: start again")
        open_account = await conn.fetchval(
            "SELECT 1 FROM principals WHERE id = $1 AND disabled_at IS NULL", passkey.resident_id
        )
        if not open_account:
            raise DomainError(Code.UNAUTHORIZED, "this account is closed")
        session = await sessions.open_session(conn, passkey.resident_id, passkey.id, rp.session_days, now)
    return SignedIn(passkey.resident_id, passkey.id, session)
