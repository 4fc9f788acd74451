"""A card's number: 16 digits, the last a Luhn check digit (`python-stdnum`), so that a till or a clerk who
mistypes one digit, or swaps two neighbours, is told so before anything is looked up.

The QR code on the card holds the number behind a prefix, `MITAPO-CARD:`, so that a scanner tells a card from
a pay code or a shop's code; a till may also send the number as printed, with spaces or hyphens.
"""

from __future__ import annotations

import secrets

from stdnum import luhn

from mitapo.engine.errors import DomainError

ISSUER = "9392"  # ISO/IEC 7812 major industry 9 (national use); "みくに" on the keypad, roughly
QR_PREFIX = "MITAPO-CARD:"
LENGTH = 16


def new_number() -> str:
    """A fresh random card number with its check digit (11 random digits: guessing one is hopeless)."""
    body = ISSUER + "".join(secrets.choice("0123456789") for _ in range(LENGTH - len(ISSUER) - 1))
    return body + luhn.calc_check_digit(body)


def qr_payload(number: str) -> str:
    return QR_PREFIX + number


def printed(number: str) -> str:
    """As on the card: four groups of four."""
    return " ".join(number[i : i + 4] for i in range(0, LENGTH, 4))


def parse(sent: str) -> str:
    """The card number in what a till sent (the QR's payload, or the number typed); code_invalid if it is
    none, naming a mistyped check digit as such."""
    text = sent.strip()
    if text.upper().startswith(QR_PREFIX):
        text = text[len(QR_PREFIX) :]
    digits = text.replace(" ", "").replace("-", "")
    if len(digits) != LENGTH or not (digits.isascii() and digits.isdigit()):
        raise DomainError("code_invalid", f"a みたポ card number is {LENGTH} digits")
    if not luhn.is_valid(digits):
        raise DomainError("code_invalid", "the card number's check digit does not match: check the number")
    return digits
