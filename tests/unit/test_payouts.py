"""The payout files' rules that need no database: the city's account as configured, names that fit."""

from __future__ import annotations

import pytest

from mitapo.demo import load as demo
from mitapo.engine.errors import DomainError
from mitapo.payments import settlement


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
