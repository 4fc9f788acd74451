"""``mitapo-ledger witness``: cosign the service's newest checkpoint only if it extends the last one cosigned.

A witness keeps one thing between runs, the state file: the checkpoint line it last cosigned. Each run asks
the service for an export since that checkpoint, verifies it with the very verifier auditors use (``--since``
that checkpoint), and only then signs the export's newest checkpoint with its own Ed25519 key, posts the
cosignature and moves its state on. A head that does not extend the one it cosigned is a fork: the witness
refuses, says so loudly, posts nothing and keeps its state, so every later run refuses too until a person
looks. Standard library HTTP only; the transport is a small protocol so tests can drive it in memory.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mitapo_ledger.checkpoints import SignedCheckpoint
from mitapo_ledger.cosignatures import Cosignature, cosign
from mitapo_ledger.export import checkpoint_line, cosignature_line, parse_line
from mitapo_ledger.verify import verify_export

TIMEOUT_SECONDS = 60


class Refused(Exception):
    """The service answered something the witness must not cosign; ``fork`` when history diverged."""

    def __init__(self, message: str, *, fork: bool) -> None:
        super().__init__(message)
        self.fork = fork


class Source(Protocol):
    """Where the witness reads exports and posts cosignatures (the service over HTTP, or a test's fake)."""

    def export(self, since: SignedCheckpoint | None) -> list[bytes]: ...

    def post(self, cosignature: Cosignature) -> None: ...


@dataclass(frozen=True, slots=True)
class HttpSource:
    """The service at ``url``; ``token`` is an auditor's secret (exports are the auditors'), the cosignature
    itself needs none: the service authenticates it by the witness's registered key."""

    url: str
    token: str

    def export(self, since: SignedCheckpoint | None) -> list[bytes]:
        query = (
            ""
            if since is None
            else "?"
            + urllib.parse.urlencode(
                {"since_seq": since.checkpoint.seq, "since_hash": since.checkpoint.hash.hex()}
            )
        )
        request = urllib.request.Request(
            f"{self.url.rstrip('/')}/v1/audit/export{query}",
            headers={"Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
                return list(answer.read().splitlines(keepends=True))
        except urllib.error.HTTPError as error:
            raise refusal_for(error.code, error.read().decode("utf-8", "replace")) from None

    def post(self, cosignature: Cosignature) -> None:
        body = json.loads(cosignature_line(cosignature))
        del body["type"]
        request = urllib.request.Request(
            f"{self.url.rstrip('/')}/v1/audit/cosignatures",
            data=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS):
                return
        except urllib.error.HTTPError as error:
            raise refusal_for(error.code, error.read().decode("utf-8", "replace")) from None


def refusal_for(status: int, body: str) -> Refused:
    """The service no longer has the checkpoint the witness cosigned (404), or has another one there (409):
    either way the history it serves is not the one the witness vouched for."""
    if status in {404, 409}:
        return Refused(f"the service does not extend the checkpoint cosigned before: {body}", fork=True)
    return Refused(f"the service answered {status}: {body}", fork=False)


def read_state(path: Path) -> SignedCheckpoint | None:
    if not path.exists():
        return None
    record = parse_line(path.read_bytes())
    if not isinstance(record, SignedCheckpoint):
        raise Refused(f"{path} does not hold a checkpoint line", fork=False)
    return record


def write_state(path: Path, signed: SignedCheckpoint) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(checkpoint_line(signed) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def witness_once(
    source: Source,
    server_keys: Mapping[str, Ed25519PublicKey],
    key: Ed25519PrivateKey,
    state: Path,
    *,
    now: datetime | None = None,
) -> Cosignature:
    """One round: fetch, verify as an extension of the state, cosign, post, move the state on.

    Raises ``Refused`` (with ``fork`` set when history diverged) and then changes nothing."""
    kept = read_state(state)
    lines = source.export(kept)
    report = verify_export(lines, server_keys, since=kept)
    if not report.ok:
        fork = any(problem.code == "not_an_extension" for problem in report.problems)
        listed = "; ".join(str(problem) for problem in report.problems)
        raise Refused(listed, fork=fork)
    newest = report.newest_checkpoint
    if newest is None:  # report.ok guarantees one; kept for the type checker
        raise Refused("the export holds no checkpoint", fork=False)
    cosignature = cosign(newest.checkpoint, key, now or datetime.now(UTC))
    source.post(cosignature)
    write_state(state, newest)
    return cosignature


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def create_private_key(path: Path) -> Ed25519PrivateKey:
    """A new witness key in PEM (PKCS #8), readable by its owner only; an existing file is never replaced."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


def fork_banner(message: str, state: Path) -> Iterable[str]:
    """What a refused fork prints: loud enough that nobody mistakes it for a network hiccup."""
    yield "!" * 78
    yield "FORK: the service's newest checkpoint does NOT extend the one this witness cosigned before."
    yield "Its history was rewritten or rolled back. Nothing was cosigned; the state file was kept:"
    yield f"  {state}"
    yield f"  {message}"
    yield "Tell the other witnesses and the auditors; keep the export and the state file as evidence."
    yield "!" * 78
