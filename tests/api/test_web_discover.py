"""Finding what to join and where to pay: upcoming events by area and date with place and organizer, shops by
area and kind with their campaigns, an event as iCalendar; all public."""

from __future__ import annotations

from datetime import timedelta

from mitapo.engine import clock
from tests.api.conftest import Api
from tests.api.payments_support import problem
from tests.api.test_points_town import HOUR, Town, now


def test_upcoming_events_by_area_and_date(api: Api, admin: str) -> None:
    town = Town(api, admin)
    program = town.program()
    _, organizer = town.organizer("井の頭地区住民協議会")
    town.grant_program(organizer, program)

    def event(title: str, start_in: timedelta, **where: str) -> str:
        body = {
            "program_id": program,
            "title": title,
            "points": 100,
            "starts_at": (now() + start_in).isoformat(),
            "ends_at": (now() + start_in + 2 * HOUR).isoformat(),
            **where,
        }
        created = api.post("/v1/events", organizer, body)
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    event("済んだ清掃", -timedelta(days=2))
    running = event("公園 清掃", -HOUR, place="井の頭公園", area="井の頭")
    later = event("防災訓練", timedelta(days=10), place="大沢コミュニティ・センター", area="大沢")
    listed = api.get("/v1/events/upcoming", None)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [item["id"] for item in items] == [running, later]
    assert items[0] | {"starts_at": "", "ends_at": ""} == {
        "id": running,
        "title": "公園 清掃",
        "starts_at": "",
        "ends_at": "",
        "points": 100,
        "place": "井の頭公園",
        "area": "井の頭",
        "organizer": "井の頭地区住民協議会",
    }
    by_area = api.get("/v1/events/upcoming", None, params={"area": "大沢"}).json()["items"]
    assert [item["id"] for item in by_area] == [later]
    today = clock.tokyo_date(clock.now())
    soon = {"from": today.isoformat(), "to": (today + timedelta(days=3)).isoformat()}
    assert [i["id"] for i in api.get("/v1/events/upcoming", None, params=soon).json()["items"]] == [running]
    backwards = {"from": today.isoformat(), "to": (today - timedelta(days=1)).isoformat()}
    problem(api.get("/v1/events/upcoming", None, params=backwards), 400, "validation_error")
    called_off = event("雨天中止の清掃", timedelta(days=2), area="井の頭")
    assert api.post(f"/v1/events/{called_off}/cancellation", organizer, {"reason": "雨"}).status_code == 201
    assert called_off not in [i["id"] for i in api.get("/v1/events/upcoming", None).json()["items"]]

    ics = api.get(f"/v1/events/{later}/calendar.ics", None)
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in ics.text and "SUMMARY:防災訓練" in ics.text
    assert "LOCATION:大沢コミュニティ・センター 大沢" in ics.text and ics.text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in ics.text.split("\r\n"))
    problem(api.get("/v1/events/evt_none/calendar.ics", None), 404, "not_found")


def test_shops_by_area_and_kind_with_their_campaigns(api: Api, admin: str) -> None:
    town = Town(api, admin)
    program = town.program()

    def shop(name: str, mcc: str, area: str) -> str:
        created = api.post("/v1/merchants", admin, {"name": name, "mcc": mcc, "area": area}, key=None)
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    farm = shop("大沢の畑", "5499", "大沢")
    cafe = shop("連雀カフェ", "5814", "連雀")
    campaign = {
        "name": "農産物 10% 還元",
        "program_id": program,
        "rate_bps": 1000,
        "monthly_cap": 1000,
        "starts_on": clock.tokyo_date(clock.now()).isoformat(),
        "merchant_ids": [farm],
    }
    assert api.post("/v1/cashback-campaigns", admin, campaign, key=None).status_code == 201
    everything = api.get("/v1/shops", None).json()["items"]
    assert {item["id"] for item in everything} == {farm, cafe}
    farm_listed = next(item for item in everything if item["id"] == farm)
    assert farm_listed["area"] == "大沢" and farm_listed["kind"] == "grocery" and farm_listed["mcc"] == "5499"
    assert [(c["kind"], c["name"], c["rate"]) for c in farm_listed["campaigns"]] == [
        ("cashback", "農産物 10% 還元", "10%")
    ]
    assert [i["id"] for i in api.get("/v1/shops", None, params={"area": "連雀"}).json()["items"]] == [cafe]
    assert [i["id"] for i in api.get("/v1/shops", None, params={"kind": "restaurant"}).json()["items"]] == [
        cafe
    ]
    assert api.get("/v1/shops", None, params={"kind": "restaurant", "area": "大沢"}).json()["items"] == []
    problem(api.get("/v1/shops", None, params={"kind": "spaceship"}), 400, "validation_error")


def test_the_ends_of_the_calendar_are_no_errors(api: Api) -> None:
    far = api.get("/v1/events/upcoming", None, params={"from": "0001-01-01", "to": "9999-12-31"})
    assert far.status_code == 200 and far.json() == {"items": []}
