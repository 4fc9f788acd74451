"""The payout files' rules that need no database: the city's account as configured, names that fit."""

from __future__ import annotations

from datetime import date

import pytest

from mitapo.demo import load as demo
from mitapo.engine.errors import DomainError
from mitapo.payments import bankdays, settlement


@pytest.mark.parametrize(
    "setting",
    ["", "  ", "0000000000,ﾐﾀｶｼ,0000", "123,ﾐﾀｶｼ,0001,ﾐｽﾞﾎ,247,ﾐﾀｶ,ordinary,1234567"],
)
def test_a_missing_or_malformed_payer_names_the_setting(setting: str) -> None:
    with pytest.raises(DomainError) as refused:
        settlement.payer(setting)
    assert refused.value.code == "payer_not_configured"
    assert "MITAPO_PAYOUT_PAYER" in refused.value.detail


def test_the_demo_serves_with_its_own_city_account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MITAPO_PAYOUT_PAYER", raising=False)
    city = settlement.payer(demo.use_demo_payer())
    assert (city.bank_code, city.branch_code) == ("1360", "056")
    monkeypatch.setenv("MITAPO_PAYOUT_PAYER", "1234567890,ﾐﾀｶｼ,0001,ﾐｽﾞﾎ,247,ﾐﾀｶ,ordinary,1234567")
    assert settlement.payer(demo.use_demo_payer()).bank_code == "0001"


@pytest.mark.parametrize(
    ("settled_on", "days", "transfer_on"),
    [
        (date(2026, 12, 1), 1, date(2026, 12, 2)),  # a Tuesday: Wednesday
        (date(2026, 12, 4), 1, date(2026, 12, 7)),  # a Friday: over the weekend to Monday
        (date(2026, 12, 4), 3, date(2026, 12, 9)),
        (date(2026, 11, 20), 1, date(2026, 11, 24)),  # Monday 23 November is 勤労感謝の日
        (date(2026, 12, 30), 1, date(2027, 1, 4)),  # the banks close from 31 December to 3 January
        (date(2027, 1, 8), 1, date(2027, 1, 12)),  # Monday 11 January is 成人の日
    ],
)
def test_the_transfer_date_is_a_bank_business_day_by_the_citys_rule(
    settled_on: date, days: int, transfer_on: date
) -> None:
    assert bankdays.transfer_date(settled_on, days) == transfer_on
    assert bankdays.is_business_day(transfer_on)
