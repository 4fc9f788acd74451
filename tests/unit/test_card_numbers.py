"""A みたポ card's number: every number made is valid, and the check digit catches what a clerk's or a till's
typing gets wrong most often, one digit changed or two neighbours swapped (Luhn misses only 09 ↔ 90)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mitapo.cards import numbers
from mitapo.engine.errors import DomainError

made = st.builds(lambda _: numbers.new_number(), st.integers())


@given(made)
def test_every_number_made_reads_back_as_scanned_typed_or_printed(number: str) -> None:
    assert len(number) == 16 and number.startswith(numbers.ISSUER)
    assert numbers.parse(number) == number
    assert numbers.parse(numbers.qr_payload(number)) == number
    assert numbers.parse(f" {numbers.printed(number)} ") == number
    assert numbers.parse(numbers.printed(number).replace(" ", "-")) == number


@given(made, st.integers(0, 15), st.integers(1, 9))
def test_one_digit_changed_is_refused(number: str, at: int, step: int) -> None:
    typo = number[:at] + str((int(number[at]) + step) % 10) + number[at + 1 :]
    with pytest.raises(DomainError) as refused:
        numbers.parse(typo)
    assert refused.value.code == "code_invalid"


@given(made, st.integers(0, 14))
def test_two_neighbours_swapped_are_refused(number: str, at: int) -> None:
    pair = number[at : at + 2]
    if pair[0] == pair[1] or pair in ("09", "90"):
        return
    swapped = number[:at] + pair[::-1] + number[at + 2 :]
    with pytest.raises(DomainError):
        numbers.parse(swapped)


@pytest.mark.parametrize("sent", ["", "MITAPO-CARD:", "9392", "9392 1234 5678 901２", "x" * 16, "1" * 17])
def test_what_is_no_card_number_is_refused(sent: str) -> None:
    with pytest.raises(DomainError) as refused:
        numbers.parse(sent)
    assert refused.value.code == "code_invalid"
