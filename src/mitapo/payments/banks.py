"""Japan's banks and branches, from the `zengin-code` data (every bank and branch the Zengin network knows,
kept up to date on PyPI): a bank account is registered only at a bank and branch that exist, and the names
in a transfer file are the data's, not what someone typed.

The data loads once, on first use (about 30,000 branches, a tenth of a second).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from mitapo.engine.errors import Invalid


@dataclass(frozen=True, slots=True)
class Branch:
    bank_code: str
    bank_name: str
    bank_kana: str  # full-width katakana, as the data has it
    branch_code: str
    branch_name: str
    branch_kana: str


@cache
def _banks() -> dict[str, Any]:
    from zengin_code import Bank

    banks: dict[str, Any] = Bank.all
    return banks


def branch(bank_code: str, branch_code: str) -> Branch:
    """The bank and branch of these codes; `validation_error` naming what does not exist."""
    bank = _banks().get(bank_code)
    if bank is None:
        raise Invalid(f"bank_code {bank_code!r} is no bank in the Zengin list")
    found = bank.branches.get(branch_code)
    if found is None:
        raise Invalid(f"branch_code {branch_code!r} is no branch of {bank.name} ({bank_code})")
    return Branch(bank_code, bank.name, bank.kana, branch_code, found.name, found.kana)
