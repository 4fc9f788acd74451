"""A resident's short number: eight digits that a person can say over the counter and type into a phone.

Seven random digits (the first never 0, so that no number reads as a shorter one) and a Damm check digit
(`python-stdnum`). Damm catches every single mistyped digit and every swap of two neighbours, which Luhn does
not (09 ↔ 90), so a typo is told as such (`number_invalid`) before anything is looked up. The number is
random, not counted up, so that it tells nothing of when the resident joined or who joined next; the
database keeps it unique and checks the digit again (`damm_valid`, migration 0026).

It is not a secret: residents give it to friends. What stops someone from trying numbers to learn names is
the limit on lookups by number (docs/security.md, "Resident numbers").
"""

from __future__ import annotations

import secrets
import unicodedata

from stdnum import damm

from mitapo.engine.errors import DomainError

LENGTH = 8
DASHES = "-‐‑‒–—―−ー"  # what people type between the halves, after NFKC (which folds the full-width ones)


def new_number() -> str:
    body = str(secrets.choice(range(1, 10))) + "".join(
        secrets.choice("0123456789") for _ in range(LENGTH - 2)
    )
    return body + damm.calc_check_digit(body)


def printed(number: str) -> str:
    """As the pages and letters show it: two halves of four, easy to read aloud."""
    return f"{number[:4]}-{number[4:]}"


def digits_of(sent: str) -> str | None:
    """The digits of what was typed (full-width digits folded, spaces and dashes dropped), or None when it
    holds anything else."""
    text = unicodedata.normalize("NFKC", sent)
    kept = "".join(ch for ch in text if not ch.isspace() and ch not in DASHES)
    return kept if kept and kept.isascii() and kept.isdigit() else None


def parse(sent: str) -> str:
    """The resident number in what was typed; `number_invalid` when it is not eight digits or its check digit
    does not match (a typo: nothing was looked up)."""
    digits = digits_of(sent)
    if digits is None or len(digits) != LENGTH or digits[0] == "0":
        raise DomainError("number_invalid", f"a resident number is {LENGTH} digits, like 1234-5678")
    if not damm.is_valid(digits):
        raise DomainError("number_invalid", "the number's check digit does not match: check the number")
    return digits
