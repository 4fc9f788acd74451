"""What the staff console adds to the API: a shop as the city registered it (for its sticker), read by the
city only; and the console's pages, which answer in Japanese first."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.payments_support import problem, resident, shop


def test_the_city_reads_a_shop_for_its_sticker(api: Api, admin: str) -> None:
    bakery = shop(api, admin, "三鷹駅前ベーカリー")
    found = api.get(f"/v1/merchants/{bakery['id']}", admin)
    assert found.status_code == 200, found.text
    assert found.json() == {
        "id": bakery["id"],
        "name": "三鷹駅前ベーカリー",
        "city": "三鷹市",
        "qr_payload": bakery["qr_payload"],
    }
    problem(api.get("/v1/merchants/mk_nothing", admin), 404, "not_found")


def test_no_one_else_reads_a_shop_through_the_console(api: Api, admin: str) -> None:
    bakery = shop(api, admin)
    _, resident_secret = resident(api, admin)
    for secret in (bakery["api_key"], api.token("auditor"), api.token("organizer"), resident_secret):
        problem(api.get(f"/v1/merchants/{bakery['id']}", secret), 403, "forbidden")
    problem(api.get(f"/v1/merchants/{bakery['id']}", None), 401, "unauthorized")


def test_the_console_pages_render_in_japanese_first(api: Api) -> None:
    for path in ("/admin", "/admin/programs", "/admin/shops", "/admin/settlements", "/admin/transit"):
        page = api.client.get(path)
        assert page.status_code == 200, path
        assert '<html lang="ja">' in page.text
    assert "Staff console" in api.client.get("/admin/journal?lang=en").text
