"""A software authenticator: what a phone's passkey does, with a `cryptography` EC P-256 key, byte for byte as
WebAuthn says (authenticator data, a COSE key, a "none" attestation, an ES256 signature over the
authenticator data and the client data's hash). The service checks it with the real py_webauthn, not a mock.
Its knobs make the answers the service must refuse: another origin or RP id, a stale or replayed counter."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

ORIGIN = "http://localhost:8000"  # the api fixture's settings: port 8000, no public URL
RP_ID = "localhost"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftAuthenticator:
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    sign_count: int = 0
    user_handle: bytes | None = None

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
        )

    def _client_data(self, kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        ).encode()

    def create(self, options: dict[str, Any], *, origin: str = ORIGIN, rp_id: str = RP_ID) -> dict[str, Any]:
        """Answer `navigator.credentials.create(options)`."""
        self.user_handle = unb64url(options["user"]["id"])
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        attested = (
            bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + self._cose_key()
        )
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([0x45])
            + struct.pack(">I", self.sign_count)
            + attested
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {"clientDataJSON": b64url(client_data), "attestationObject": b64url(attestation)},
        }

    def get(
        self,
        options: dict[str, Any],
        *,
        origin: str = ORIGIN,
        rp_id: str = RP_ID,
        count: int | None = None,
        user_handle: bytes | None = None,
    ) -> dict[str, Any]:
        """Answer `navigator.credentials.get(options)`: the counter goes up by one unless `count` is given."""
        if count is None:
            self.sign_count += 1
            count = self.sign_count
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = hashlib.sha256(rp_id.encode()).digest() + bytes([0x05]) + struct.pack(">I", count)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        handle = user_handle if user_handle is not None else self.user_handle
        response = {
            "clientDataJSON": b64url(client_data),
            "authenticatorData": b64url(auth_data),
            "signature": b64url(signature),
        }
        if handle is not None:
            response["userHandle"] = b64url(handle)
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": response,
        }


def session_cookie(response: Any) -> str:
    """The session cookie an answer set (Secure: the test client would not send it back over http itself)."""
    header = response.headers["set-cookie"]
    assert (
        "HttpOnly" in header
        and "Secure" in header
        and "SameSite=Strict" in header.replace("strict", "Strict")
    )
    return header.split(";", 1)[0].split("=", 1)[1]


def with_cookie(api: Any, method: str, path: str, cookie: str, **kw: Any) -> Any:
    return api.client.request(method, path, headers={"Cookie": f"mitapo_session={cookie}"}, **kw)


def enroll(api: Any, code: str, phone: SoftAuthenticator, **create: Any) -> Any:
    options = api.client.post("/v1/enrollments/passkey-options", json={"code": code})
    assert options.status_code == 200, options.text
    started = options.json()
    credential = phone.create(started["public_key"], **create)
    return api.client.post(
        "/v1/enrollments/passkey",
        json={
            "challenge_id": started["challenge_id"],
            "credential": credential,
            "device_name": "らくらくフォン",
        },
    )


def sign_in_options(api: Any) -> dict[str, Any]:
    response = api.client.post("/v1/sessions/passkey-options")
    assert response.status_code == 200, response.text
    return dict(response.json())


def sign_in(api: Any, phone: SoftAuthenticator, **get: Any) -> Any:
    started = sign_in_options(api)
    credential = phone.get(started["public_key"], **get)
    return api.client.post(
        "/v1/sessions/passkey", json={"challenge_id": started["challenge_id"], "credential": credential}
    )
