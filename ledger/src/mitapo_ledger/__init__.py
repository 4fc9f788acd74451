"""The pure double-entry core of みたポ: entries, balances, hash chain, signed checkpoints, the verifier.

Standard library and ``cryptography`` only, and no I/O outside ``cli``: the service seals and signs with
these functions and the offline verifier checks with the very same ones (see docs/ledger-format.md).
The names below are the public API; the modules behind them may move.
"""

from mitapo_ledger.accounts import Account, AccountKind, Side
from mitapo_ledger.assets import MAX_AMOUNT, Asset
from mitapo_ledger.balances import Balances, RunningBalances, balances_digest, realize, totals_by_asset
from mitapo_ledger.canonical import canonical_bytes, canonical_json, decode_canonical
from mitapo_ledger.chain import GENESIS_HASH, chain_hash, seal
from mitapo_ledger.checkpoints import (
    Checkpoint,
    SignedCheckpoint,
    checkpoint_bytes,
    key_id,
    public_key_b64,
    public_key_from_b64,
    sign_checkpoint,
    signature_valid,
)
from mitapo_ledger.cosignatures import Cosignature, cosign, cosignature_bytes, cosignature_valid
from mitapo_ledger.entries import Entry, Posting, SealedEntry
from mitapo_ledger.errors import (
    HoldExpired,
    HoldExpiryEarly,
    HoldNotPending,
    HoldOverposted,
    InvalidAccount,
    InvalidCheckpoint,
    InvalidEntry,
    InvalidHold,
    InvalidPosting,
    InvalidPublicKey,
    InvalidSeal,
    LedgerError,
    MalformedData,
    NonCanonical,
    UnbalancedEntry,
)
from mitapo_ledger.export import checkpoint_line, cosignature_line, entry_line, parse_line, start_line
from mitapo_ledger.holds import Hold, HoldStatus, available
from mitapo_ledger.starts import Start, start_from_balances
from mitapo_ledger.timestamps import format_timestamp
from mitapo_ledger.verify import ChainVerifier, Problem, VerifyReport, verify_export

__all__ = [
    "GENESIS_HASH",
    "MAX_AMOUNT",
    "Account",
    "AccountKind",
    "Asset",
    "Balances",
    "ChainVerifier",
    "Checkpoint",
    "Cosignature",
    "Entry",
    "Hold",
    "HoldExpired",
    "HoldExpiryEarly",
    "HoldNotPending",
    "HoldOverposted",
    "HoldStatus",
    "InvalidAccount",
    "InvalidCheckpoint",
    "InvalidEntry",
    "InvalidHold",
    "InvalidPosting",
    "InvalidPublicKey",
    "InvalidSeal",
    "LedgerError",
    "MalformedData",
    "NonCanonical",
    "Posting",
    "Problem",
    "RunningBalances",
    "SealedEntry",
    "Side",
    "SignedCheckpoint",
    "Start",
    "UnbalancedEntry",
    "VerifyReport",
    "available",
    "balances_digest",
    "canonical_bytes",
    "canonical_json",
    "chain_hash",
    "checkpoint_bytes",
    "checkpoint_line",
    "cosign",
    "cosignature_bytes",
    "cosignature_line",
    "cosignature_valid",
    "decode_canonical",
    "entry_line",
    "format_timestamp",
    "key_id",
    "parse_line",
    "public_key_b64",
    "public_key_from_b64",
    "realize",
    "seal",
    "sign_checkpoint",
    "signature_valid",
    "start_from_balances",
    "start_line",
    "totals_by_asset",
    "verify_export",
]
