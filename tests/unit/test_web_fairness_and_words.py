"""The fairness rule as a property, and the pages' words: every key a page or script asks for exists, in both
languages."""

from __future__ import annotations

import math
import re
import statistics
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from mitapo.audit.desk import outliers
from mitapo.web import i18n

WEB = Path(i18n.__file__).parent
points = st.lists(st.integers(min_value=1, max_value=100_000), min_size=1, max_size=300)


@given(points)
def test_flagged_exactly_above_three_medians_or_in_the_top_percent(values: list[int]) -> None:
    reasons = outliers(values)
    median = statistics.median(values)
    top = sorted(values, reverse=True)[math.ceil(len(values) / 100) - 1] if len(values) >= 100 else None
    for value, reason in zip(values, reasons, strict=True):
        if value > 3 * median:
            assert reason == "above_3x_median"
        elif top is not None and value >= top:
            assert reason == "top_1_percent"
        else:
            assert reason is None


@given(st.integers(min_value=1, max_value=10_000), st.integers(min_value=1, max_value=99))
def test_an_even_spread_flags_nobody_below_a_hundred_residents(value: int, residents: int) -> None:
    assert outliers([value] * residents) == [None] * residents


@given(points, st.integers(min_value=2, max_value=50))
def test_the_rule_does_not_depend_on_the_unit(values: list[int], factor: int) -> None:
    assert outliers([v * factor for v in values]) == outliers(values)


def test_every_word_a_page_asks_for_exists_in_both_languages() -> None:
    asked = set()
    for path in [*WEB.glob("templates/**/*.html"), *WEB.glob("static/js/*.js")]:
        asked |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_]+)["']\s*[,)]""", path.read_text()))
    assert asked, "the pattern found no words at all"
    assert sorted(asked - set(i18n.MESSAGES)) == []
    for lang in i18n.LANGUAGES:
        assert all(i18n.messages(lang).values())


def test_language_is_japanese_unless_asked_or_remembered() -> None:
    assert i18n.language(None, None) == "ja"
    assert i18n.language("en", None) == "en"
    assert i18n.language(None, "en") == "en"
    assert i18n.language("ja", "en") == "ja"
    assert i18n.language("fr", "de") == "ja"
