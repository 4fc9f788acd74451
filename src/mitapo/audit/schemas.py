"""What the auditor's routes take and answer (the OpenAPI document shows these shapes)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from mitapo.http.schemas import Body, Out, whole

# --- requests ----------------------------------------------------------------------------------------------


class ReversalIn(Body):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=1000, pattern=whole(r"[^\x00]+"))]


# --- answers -----------------------------------------------------------------------------------------------


class PostingOut(Out):
    account: str
    asset: str
    amount: int


class EntryOut(Out):
    """A journal entry as the ledger keeps it; `seq` and the hashes are null until it is sealed."""

    id: str
    seq: int | None
    kind: str
    created_at: str
    memo: str
    postings: list[PostingOut]
    prev_hash: str | None
    hash: str | None


class EntriesOut(Out):
    """Sealed entries after `after_seq`; `next_after_seq` reads on, null at the end."""

    items: list[EntryOut]
    next_after_seq: int | None


class JournalOut(Out):
    """Newest first; `next_before_seq` reads on, null at the end."""

    items: list[EntryOut]
    next_before_seq: int | None


class AssetSides(Out):
    debits: int
    credits: int


class AccountBalance(Out):
    account: str
    asset: str
    balance: int


class TrialBalanceOut(Out):
    """Per asset (PT, JPY) the debits and credits, equal when the books balance; every non-zero account."""

    assets: dict[str, AssetSides]
    accounts: list[AccountBalance]


class Head(Out):
    seq: int
    hash: str


class ProblemFound(Out):
    code: str
    detail: str
    seq: int | None
    entry_id: str | None


class VerificationOut(Out):
    ok: bool
    entries_checked: int
    head: Head
    problems: list[ProblemFound]


class PublicKey(Out):
    """An Ed25519 key that signs checkpoints, raw and base64-encoded."""

    kid: str
    public_key: str


class PublicKeysOut(Out):
    keys: list[PublicKey]


class KeyRotationOut(Out):
    """The new signing key, as /v1/audit/public-keys lists it from now on, and the key it replaced."""

    kid: str
    public_key: str
    previous_kid: str


class CosignatureOut(Out):
    """A witness's cosignature exactly as its export line (docs/ledger-format.md)."""

    type: str
    seq: int
    hash: str
    witness: str
    cosigned_at: str
    signature: str


class CheckpointOut(Out):
    """A signed checkpoint as its export line (docs/ledger-format.md), and the witnesses' cosignatures."""

    type: str
    seq: int
    hash: str
    signed_at: str
    kid: str
    balances_digest: str
    signature: str
    cosignatures: list[CosignatureOut]


class WitnessIn(Body):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=whole(r"[^\x00]+"))]
    public_key: Annotated[str, msgspec.Meta(min_length=44, max_length=44)]


class WitnessOut(Out):
    """A registered witness: its kid (derived from its key, as a signing key's) and its key in base64."""

    kid: str
    name: str
    public_key: str


class WitnessesOut(Out):
    items: list[WitnessOut]


class CosignatureIn(Body):
    """A cosignature as its export line, without `type`; its signature authenticates the witness."""

    seq: Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
    hash: Annotated[str, msgspec.Meta(pattern=whole("[0-9a-f]{64}"))]
    witness: Annotated[str, msgspec.Meta(pattern=whole("[0-9a-f]{16}"))]
    cosigned_at: Annotated[str, msgspec.Meta(max_length=40)]
    signature: Annotated[str, msgspec.Meta(max_length=100)]


class CheckpointsOut(Out):
    """Every signed checkpoint after `after_seq`, oldest first; `next_after_seq` reads on, null at the end."""

    items: list[CheckpointOut]
    next_after_seq: int | None


class MonthlyOut(Out):
    """Every month (Tokyo, `YYYY-MM`) from the first to the last; each series has one number per month."""

    months: list[str]
    points: dict[str, list[int]]
    money: dict[str, list[int]]


class TrailEvent(Out):
    id: str
    title: str


class TrailShop(Out):
    id: str
    name: str


class TrailStep(Out):
    """One entry the point went through, from one account to the next."""

    entry: EntryOut
    from_: str = msgspec.field(name="from")
    to: str
    event: TrailEvent | None
    shop: TrailShop | None
    settlement_id: str | None


class TrailOut(Out):
    """`origin` is the city's issuance when the trail reaches it; `rests_in` the account holding it now."""

    entry_id: str
    point: int
    points_in_entry: int
    origin: str | None
    rests_in: str
    steps: list[TrailStep]


class ResidentShare(Out):
    """`flag` says why the resident stands out, or null. To an auditor `resident_id` is a pseudonym
    (`psn_…`) and `name` is null; only the city (admin) sees ids and names."""

    resident_id: str
    name: str | None
    points: int
    flag: str | None


class ProgramFairness(Out):
    id: str
    name: str
    residents: int
    total: int
    median: int | float
    max: int
    flagged: int
    items: list[ResidentShare]


class FairnessOut(Out):
    programs: list[ProgramFairness]


class BudgetOut(Out):
    """A budget the city funds; `points_valid_days` and the caps are null where none applies."""

    id: str
    name: str
    points_valid_days: int | None
    monthly_cap: int | None
    annual_cap: int | None
    funded: int
    drawn: int
    budget_remaining: int
    residents: int
    events: int


class BudgetsOut(Out):
    items: list[BudgetOut]
