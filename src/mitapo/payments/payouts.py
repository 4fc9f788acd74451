"""Payout files for a settlement: a CSV for people, and the Zengin (全銀) bulk-transfer format for banks.

A Zengin 総合振込 file is fixed-width records of 120 bytes in Shift_JIS: one header (1) naming the city as the
payer and its account, one data record (2) per payee, a trailer (8) with the count and the total, an end
record (9). Text fields are half-width katakana, upper-case letters, digits and a few symbols, left-aligned
and space-padded; numbers are right-aligned and zero-padded. Names are made half-width with `jaconv`, and a
name that still holds a character the banks refuse is refused when the shop is registered, not on payday.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import jaconv

from mitapo.engine.errors import Invalid
from mitapo.payments import banks

if TYPE_CHECKING:
    from mitapo.payments.merchants import BankAccount

RECORD_BYTES = 120
HOLDER_BYTES = 30  # 受取人名 of a data record
PAYER_NAME_BYTES = 40  # 委託者名 of the header
ACCOUNT_TYPES = {"ordinary": "1", "current": "2", "savings": "4"}
_SMALL_KANA = str.maketrans("ｧｨｩｪｫｬｭｮｯ", "ｱｲｳｴｵﾔﾕﾖﾂ")
_ALLOWED = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ ().,-/\\ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝﾞﾟ")


@dataclass(frozen=True, slots=True)
class Payer:
    """The city's side of the transfer (the header record), from the settings."""

    client_code: str
    name_kana: str
    bank_code: str
    bank_name_kana: str
    branch_code: str
    branch_name_kana: str
    account_type: str
    account_number: str


def payer_of(
    client_code: str,
    name_kana: str,
    bank_code: str,
    bank_name_kana: str,
    branch_code: str,
    branch_name_kana: str,
    account_type: str,
    account_number: str,
) -> Payer:
    """The city's account, checked as a shop's is: digits of their widths, names the banks can carry."""
    numbers = {
        "client_code": client_code,
        "bank_code": bank_code,
        "branch_code": branch_code,
        "account_number": account_number,
    }
    # the list's names, not the setting's; the setting's fields are named in words, not as a body's keys
    bank_name, branch_name = listed_account(account_type, numbers, lambda key: key.replace("_", " "))
    return Payer(
        client_code=client_code,
        name_kana=fitting(name_kana, PAYER_NAME_BYTES, "the payer's name"),
        bank_code=bank_code,
        bank_name_kana=bank_name,
        branch_code=branch_code,
        branch_name_kana=branch_name,
        account_type=account_type,
        account_number=account_number,
    )


@dataclass(frozen=True, slots=True)
class Payee:
    party_id: str
    name: str
    points: int
    money: int
    fee: int
    payout: int
    bank: dict[str, Any] | None


def zengin_kana(text: str) -> str:
    """`text` as the banks' half-width character set; refuses what has no such form."""
    folded = jaconv.z2h(jaconv.hira2kata(text), kana=True, ascii=True, digit=True).upper()
    folded = folded.translate(_SMALL_KANA).replace("ｰ", "-").replace("ー", "-")
    bad = sorted({c for c in folded if c not in _ALLOWED})
    if bad:
        raise Invalid(f"{text!r} has characters a Zengin transfer cannot carry: {''.join(bad)}")
    return folded


def fitting(text: str, width: int, what: str) -> str:
    """`text` in the banks' character set if it fits a field of `width` bytes (a voiced mark is a byte of
    its own once half-width); refused otherwise, never cut on payday."""
    folded = zengin_kana(text)
    size = len(folded.encode("cp932"))
    if size > width:
        raise Invalid(f"{what} is {size} bytes in half-width kana; the Zengin field holds {width}")
    return folded


def bank_names(bank_code: str, branch_code: str) -> tuple[str, str]:
    """The bank's and the branch's names for a transfer record, from the Zengin list (`validation_error` for
    codes it does not have), half-width and at most the 15 bytes of their fields."""
    found = banks.branch(bank_code, branch_code)
    return _cut(zengin_kana(found.bank_kana), 15), _cut(zengin_kana(found.branch_kana), 15)


def _cut(text: str, width: int) -> str:
    return text.encode("cp932")[:width].decode("cp932", errors="ignore")


DIGITS = {"client_code": 10, "bank_code": 4, "branch_code": 3, "account_number": 7}
"""How many digits each number of a Zengin account has."""


def listed_account(
    account_type: str, numbers: dict[str, str], label: Callable[[str], str] = str
) -> tuple[str, str]:
    """The one check of an account, a shop's or the city's: a type the banks know, each number (a key of
    DIGITS) of its width in digits, in that order; answers the bank's and the branch's names from the list."""
    if account_type not in ACCOUNT_TYPES:
        raise Invalid(f"{label('account_type')} must be one of {sorted(ACCOUNT_TYPES)}")
    for key, value in numbers.items():
        if not (len(value) == DIGITS[key] and value.isdigit()):
            raise Invalid(f"{label(key)} must be {DIGITS[key]} digits")
    return bank_names(numbers["bank_code"], numbers["branch_code"])


def bank_columns(bank: BankAccount) -> dict[str, Any]:
    """The merchants table's bank columns, names already in the banks' character set."""
    numbers = {
        "bank_code": bank.bank_code,
        "branch_code": bank.branch_code,
        "account_number": bank.account_number,
    }
    names = listed_account(bank.account_type, numbers)
    return {
        "bank_code": bank.bank_code,
        "bank_name_kana": names[0],
        "branch_code": bank.branch_code,
        "branch_name_kana": names[1],
        "account_type": bank.account_type,
        "account_number": bank.account_number,
        "account_holder_kana": fitting(bank.account_holder_kana, HOLDER_BYTES, "account_holder_kana"),
    }


def to_csv(settlement_id: str, payees: Sequence[Payee]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "settlement_id",
            "party_id",
            "name",
            "points",
            "money",
            "fee",
            "payout",
            "bank_code",
            "branch_code",
            "account_type",
            "account_number",
            "account_holder_kana",
        ]
    )
    for p in payees:
        bank = p.bank or {}
        writer.writerow(
            [
                settlement_id,
                p.party_id,
                p.name,
                p.points,
                p.money,
                p.fee,
                p.payout,
                bank.get("bank_code", ""),
                bank.get("branch_code", ""),
                bank.get("account_type", ""),
                bank.get("account_number", ""),
                bank.get("account_holder_kana", ""),
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def transfers(payees: Sequence[Payee]) -> list[Payee]:
    """The payees a bank pays: those with bank details and something to pay."""
    return [p for p in payees if p.bank and p.payout > 0]


def to_zengin(payer: Payer, payees: Sequence[Payee], transfer_on: date) -> bytes:
    """The 総合振込 file: every payee with bank details and something to pay; records joined by CRLF."""
    paid = transfers(payees)
    if not paid:
        raise AssertionError(
            "a Zengin file with no data record: the caller says there is nothing to transfer"
        )
    records = [_header(payer, transfer_on)]
    records += [_data(p) for p in paid]
    records += [_trailer(len(paid), sum(p.payout for p in paid)), _end()]
    return b"\r\n".join(records) + b"\r\n"


def _header(payer: Payer, transfer_on: date) -> bytes:
    return _record(
        ("1", 1),
        ("21", 2),
        ("0", 1),
        (_digits(payer.client_code, 10), 10),
        (zengin_kana(payer.name_kana), 40),
        (transfer_on.strftime("%m%d"), 4),
        (_digits(payer.bank_code, 4), 4),
        (payer.bank_name_kana, 15),
        (_digits(payer.branch_code, 3), 3),
        (payer.branch_name_kana, 15),
        (ACCOUNT_TYPES[payer.account_type], 1),
        (_digits(payer.account_number, 7), 7),
        ("", 17),
    )


def _data(payee: Payee) -> bytes:
    bank = payee.bank or {}
    bank_name, branch_name = _listed_names(bank)
    return _record(
        ("2", 1),
        (bank["bank_code"], 4),
        (bank_name, 15),
        (bank["branch_code"], 3),
        (branch_name, 15),
        ("", 4),
        (ACCOUNT_TYPES[bank["account_type"]], 1),
        (bank["account_number"], 7),
        (bank["account_holder_kana"], 30),
        (_digits(str(payee.payout), 10), 10),
        ("0", 1),
        ("", 10),
        ("", 10),
        ("7", 1),
        (" ", 1),
        ("", 7),
    )


def _listed_names(bank: dict[str, Any]) -> tuple[str, str]:
    """The list's names as of today; those kept at registration for a branch the list no longer has (merged
    away since: the bank forwards such transfers for a while)."""
    try:
        return bank_names(bank["bank_code"], bank["branch_code"])
    except Invalid:
        return bank.get("bank_name_kana") or "", bank.get("branch_name_kana") or ""


def _trailer(count: int, total: int) -> bytes:
    return _record(("8", 1), (_digits(str(count), 6), 6), (_digits(str(total), 12), 12), ("", 101))


def _end() -> bytes:
    return _record(("9", 1), ("", 119))


def _record(*fields: tuple[str, int]) -> bytes:
    """Fields left-aligned and space-padded (numbers arrive already zero-padded), cut to their width."""
    raw = b"".join(value.encode("cp932")[:width].ljust(width, b" ") for value, width in fields)
    if len(raw) != RECORD_BYTES:
        raise AssertionError(f"a Zengin record is {RECORD_BYTES} bytes, not {len(raw)}")
    return raw


def _digits(value: str, width: int) -> str:
    if not value.isdigit() or len(value) > width:
        raise Invalid(f"{value!r} does not fit {width} digits")
    return value.zfill(width)
