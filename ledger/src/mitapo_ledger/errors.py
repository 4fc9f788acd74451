"""Every way the ledger core can refuse a value, as one exception tree.

The tree, so that callers can catch as narrowly or as broadly as they need::

    LedgerError
    ├── InvalidAccount
    ├── InvalidPosting
    ├── InvalidEntry
    │   └── UnbalancedEntry
    ├── InvalidSeal
    ├── InvalidHold
    │   ├── HoldNotPending
    │   ├── HoldExpiryEarly
    │   ├── HoldExpired
    │   └── HoldOverposted
    ├── InvalidCheckpoint
    ├── InvalidPublicKey
    └── MalformedData
        └── NonCanonical

Each class carries a short ``code``; the verifier turns a refused line into a ``Problem`` with that code,
so an auditor sees the same word whether the failure came from parsing or from checking.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of everything the ledger core raises on bad input."""

    code = "ledger_error"


class InvalidAccount(LedgerError):
    """An account description that cannot exist (empty code, unknown kind)."""

    code = "invalid_account"


class InvalidPosting(LedgerError):
    """A posting with an empty account, an unknown asset, or a zero/non-int/out-of-range amount."""

    code = "invalid_posting"


class InvalidEntry(LedgerError):
    """An entry that breaks a construction rule (id, kind, time, number of postings)."""

    code = "invalid_entry"


class UnbalancedEntry(InvalidEntry):
    """An entry whose postings do not sum to zero for some asset: money would appear or vanish."""

    code = "unbalanced_entry"


class InvalidSeal(LedgerError):
    """A sealed entry or a seal request with a bad seq or a hash that is not 32 bytes."""

    code = "invalid_seal"


class InvalidHold(LedgerError):
    """A hold that cannot exist, or a transition a hold cannot make."""

    code = "invalid_hold"


class HoldNotPending(InvalidHold):
    """Posting, voiding or expiring a hold that was already posted, voided or expired."""

    code = "hold_not_pending"


class HoldExpiryEarly(InvalidHold):
    """Expiring a hold before its ``expires_at``."""

    code = "hold_expiry_early"


class HoldExpired(InvalidHold):
    """Posting a hold at or after its ``expires_at``: the reservation has lapsed."""

    code = "hold_expired"


class HoldOverposted(InvalidHold):
    """Posting more than the hold reserved."""

    code = "hold_overposted"


class InvalidCheckpoint(LedgerError):
    """A checkpoint with a bad field, or signed with a key that is not the one its ``kid`` names."""

    code = "invalid_checkpoint"


class InvalidPublicKey(LedgerError):
    """A public key that is not base64 of 32 raw Ed25519 bytes."""

    code = "invalid_public_key"


class MalformedData(LedgerError):
    """Bytes or a line that do not decode to a ledger value (bad UTF-8, bad JSON, wrong fields)."""

    code = "malformed"


class NonCanonical(MalformedData):
    """Data that decodes but is not the canonical encoding of what it decodes to.

    Accepting such data would let two different byte strings stand for one signed value; refusing it means
    any change to a file is a change the verifier sees.
    """

    code = "non_canonical"
