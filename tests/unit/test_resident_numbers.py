"""A resident's short number catches the typos people make: any one digit changed, any two neighbours
swapped. Typed full-width, with a dash or spaces, it is the same number."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import damm

from mitapo.accounts import numbers
from mitapo.engine.errors import DomainError

bodies = st.integers(1_000_000, 9_999_999).map(str)
valid_numbers = bodies.map(lambda body: body + damm.calc_check_digit(body))


def refused(typed: str) -> bool:
    try:
        numbers.parse(typed)
    except DomainError as refusal:
        return refusal.code == "number_invalid"
    return False


@given(valid_numbers, st.integers(0, numbers.LENGTH - 1), st.integers(1, 9))
def test_any_single_digit_changed_is_caught(number: str, at: int, by: int) -> None:
    assert not refused(number)
    changed = number[:at] + str((int(number[at]) + by) % 10) + number[at + 1 :]
    assert changed != number and refused(changed)


@given(valid_numbers, st.integers(0, numbers.LENGTH - 2))
def test_any_swap_of_two_neighbours_is_caught(number: str, at: int) -> None:
    swapped = number[:at] + number[at + 1] + number[at] + number[at + 2 :]
    assert swapped == number or refused(swapped)


@given(st.just(None).map(lambda _: numbers.new_number()))
def test_new_numbers_are_eight_digits_that_pass_their_check(number: str) -> None:
    assert len(number) == numbers.LENGTH and number[0] != "0" and numbers.parse(number) == number


@given(valid_numbers)
def test_full_width_dashes_and_spaces_are_the_same_number(number: str) -> None:
    full = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for typed in (numbers.printed(number), f"{full[:4]}－{full[4:]}", f" {number[:4]} {number[4:]} "):
        assert numbers.parse(typed) == number


@pytest.mark.parametrize("typed", ["", "1234567", "123456789", "1234-567X", "01234567", "一二三四五六七八"])
def test_what_is_not_a_number_is_refused(typed: str) -> None:
    assert refused(typed)
