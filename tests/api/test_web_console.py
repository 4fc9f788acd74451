"""What the staff console adds to the API: a shop as the city registered it (for its sticker), read by the
city only; and the console's pages, which answer in Japanese first."""

from __future__ import annotations

from pathlib import Path

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
    pages = ("/admin", "/admin/programs", "/admin/organizers", "/admin/shops", "/admin/campaigns")
    for path in (*pages, "/admin/settlements", "/admin/transit", "/admin/staff-log"):
        page = api.client.get(path)
        assert page.status_code == 200, path
        assert '<html lang="ja">' in page.text
    assert "Staff console" in api.client.get("/admin/journal?lang=en").text


def test_the_console_signs_in_admins_and_clerks_and_no_one_else(api: Api, admin: str) -> None:
    """The console's sign-in check passes a counter clerk too (the audit routes it used refused them), and
    says the role, so the console offers a clerk only the counter's areas; it opens nothing new to a clerk."""
    clerk = api.post("/v1/clerks", admin, {"name": "市民課 窓口"}, key=None).json()
    seen = api.get("/v1/staff/me", clerk["token"])
    assert seen.status_code == 200, seen.text
    assert seen.json() == {"id": clerk["id"], "role": "clerk", "name": "市民課 窓口"}
    assert api.get("/v1/staff/me", admin).json()["role"] == "admin"
    bakery = shop(api, admin)
    _, resident_secret = resident(api, admin)
    for secret in (bakery["api_key"], api.token("auditor"), api.token("organizer"), resident_secret):
        problem(api.get("/v1/staff/me", secret), 403, "forbidden")
    problem(api.get("/v1/staff/me", None), 401, "unauthorized")
    problem(api.get("/v1/audit/budgets", clerk["token"]), 403, "forbidden")  # still the auditors'


def test_the_console_script_signs_in_with_the_staff_check() -> None:
    script = (Path(__file__).parents[2] / "src/mitapo/web/static/js/admin.js").read_text()
    assert '"/v1/staff/me"' in script
    assert "/v1/audit/budgets" not in script
