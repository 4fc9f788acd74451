"""Every answer names its bytes once and truly: a bank reads the Zengin file as Shift_JIS only if the header
says so and says nothing else (Litestar appends a charset to text/* types, which once made the Zengin file
'charset=shift_jis; charset=utf-8')."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.payments_support import give_money, resident, shop


def test_each_answer_has_one_true_media_type(api: Api, admin: str) -> None:
    resident_id, secret = resident(api, admin)
    give_money(api, resident_id, 1_000)
    farm = shop(
        api,
        admin,
        bank={
            "bank_code": "0001",
            "branch_code": "001",
            "account_number": "1234567",
            "account_holder_kana": "ﾐﾀｶﾉｳｴﾝ",
        },
    )
    assert (
        api.post("/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": 500}).status_code == 201
    )
    settled = api.post("/v1/settlements", admin, {}).json()["id"]
    expected = {
        f"/v1/settlements/{settled}/payout.zengin": "text/plain; charset=shift_jis",
        f"/v1/settlements/{settled}/payout.csv": "text/csv; charset=utf-8",
        "/v1/audit/export": "application/x-ndjson",
        "/v1/audit/verify": "application/json",
        "/v1/settlements/st_none/payout.csv": "application/problem+json",
    }
    assert {path: api.get(path, admin).headers["content-type"] for path in expected} == expected
    images = {
        fmt: api.get(f"/v1/me/pay-code?format={fmt}", secret).headers["content-type"]
        for fmt in ("png", "svg")
    }
    assert images == {"png": "image/png", "svg": "image/svg+xml"}
