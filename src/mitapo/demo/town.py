"""The demo town behind `mitapo demo`: programs with budgets, an organizer with open events, residents who
took part, shops that were paid (one refund, one settlement), recipients with donations, a gift, money
charged, and a bus line with one ride, so that every page shows something right after `make run`.

Everything goes through the same services the API calls, so the demo journal verifies like a real one. One
resident stands out in one program on purpose: the fairness view has someone to flag.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from mitapo.accounts import auth, residents
from mitapo.cards import cards, pins
from mitapo.engine import clock
from mitapo.engine.commands import Idempotency
from mitapo.money import donations, topups
from mitapo.payments import merchants, paycodes, paying, refunds, settlement
from mitapo.points import checkins, events, gifts, programs
from mitapo.runtime import Runtime
from mitapo.transit import rides

PROGRAMS = (  # name, points valid for days, monthly cap, budget
    ("地域ボランティア活動", 365, 3000, 300_000),
    ("健康づくり・ウォーキング", 180, 1000, 100_000),
    ("環境美化・清掃", 365, None, 150_000),
)
EVENTS = (  # title, program (index above), points, place, community area
    ("図書館 おはなし会の読み聞かせ", 0, 150, "三鷹図書館", "連雀"),
    ("三鷹駅前 防災訓練のお手伝い", 0, 200, "三鷹駅南口", "三鷹駅周辺"),
    ("こども食堂の配膳ボランティア", 0, 300, "新川中原コミュニティ・センター", "新川中原"),
    ("朝のウォーキング会（野川公園）", 1, 50, "野川公園", "大沢"),
    ("井の頭公園 清掃ボランティア", 2, 100, "井の頭恩賜公園", "井の頭"),
)
RESIDENTS = (
    "三鷹 花子", "井口 太郎", "大沢 さくら", "野崎 健", "下連雀 美咲", "上連雀 翔", "新川 陽菜", "中原 蓮",
    "北野 結衣", "牟礼 大翔", "深大寺 葵", "井の頭 湊", "上石 凛", "深山 悠真", "柴崎 芽衣", "国領 颯太",
    "仙川 美桜", "野川 陸", "武蔵野 紬", "玉川 蒼", "大成 日向", "天文台 楓", "連雀 樹", "禅林 杏",
)  # fmt: skip
SHOPS = (  # name, ASCII name for the EMVCo code, merchant category, fee in basis points, community area,
    # bank details (banks and branches that exist, in Mitaka, from the Zengin list; made-up account numbers)
    (
        "三鷹駅前ベーカリー",
        "MITAKA BAKERY",
        "5462",
        100,
        "三鷹駅周辺",
        ("1360", "056", "1000001", "ﾐﾀｶｴｷﾏｴﾍﾞｰｶﾘｰ"),
    ),
    ("大沢の農家直売所", "OSAWA FARM STAND", "5411", 0, "大沢", ("5087", "001", "2000002", "ｵｵｻﾜﾉｳｶﾁﾖｸﾊﾞｲｼﾞﾖ")),
    ("井口商店", "IGUCHI SHOTEN", "5399", 50, "西部", ("0005", "222", "3000003", "ｲｸﾞﾁｼﾖｳﾃﾝ")),
)
# The demo city's own account, which its Zengin files pay from (MITAPO_PAYOUT_PAYER): a real bank and branch
# (多摩信用金庫 三鷹駅前), a made-up account.
PAYER = "3210000001,ﾐﾀｶｼ,1360,ﾀﾏｼﾝｷﾝ,056,ﾐﾀｶｴｷﾏｴ,ordinary,0123456"
RECIPIENTS = ("三鷹市社会福祉協議会", "こども食堂ネットワーク三鷹")
CARD_PIN = "1234"  # the demo card's PIN, printed with the instructions (demo only)
OUTLIER = 5  # this resident takes part in every volunteer event


async def build(runtime: Runtime) -> dict[str, str]:
    """Fill the town; answer the secrets and ids the instructions print."""
    db = runtime.db
    organizer_id, organizer_secret = await auth.create_principal(db, "organizer", "三鷹市 市民協働センター")
    program_ids = [await _program(runtime, *spec) for spec in PROGRAMS]
    for program_id in program_ids:  # the city grants its centre every program it runs events in
        await programs.grant_organizer(db, program_id, organizer_id)
    event_views = [await _event(runtime, organizer_id, program_ids, *spec) for spec in EVENTS]
    origin = runtime.settings.public_origin
    people = [await residents.create(db, name, public_origin=origin) for name in RESIDENTS]
    await _take_part(runtime, [p["id"] for p in people], event_views)
    await _charge_money(runtime, [p["id"] for p in people])
    shops = [await _shop(runtime, *spec) for spec in SHOPS]
    await _shop_around(runtime, [p["id"] for p in people], shops)
    await _donate_and_give(runtime, [p["id"] for p in people])
    await _ride_the_bus(runtime, people[0]["id"])
    card = await _card(runtime, people[1]["id"])
    return {
        "organizer": organizer_secret,
        "resident": people[0]["token"],
        "resident_id": people[0]["id"],
        "enrollment_url": people[1]["enrollment"]["url"],  # a phone of the second resident, once
        "merchant": shops[0]["api_key"],
        "event_id": event_views[0].id,
        "card_number": card,
        "card_pin": CARD_PIN,
        "friend_number": people[2]["number"],  # the first resident gives to this one by typing it
        "friend_name": RESIDENTS[2],
    }


async def _card(runtime: Runtime, resident_id: str) -> str:
    """A みたポ card for a resident who keeps no phone, as the counter issues it (demo PIN)."""
    pin_key = pins.key_in(runtime.settings.key_path)
    issued = await cards.issue(runtime.db, resident_id, CARD_PIN, "demo", pin_key)
    return str(issued.result["card_number"])


async def _program(runtime: Runtime, name: str, days: int, cap: int | None, budget: int) -> str:
    created = await programs.create(runtime.db, name, days, monthly_cap=cap)
    program_id = str(created.result["id"])
    await programs.fund(runtime.db, program_id, budget)
    return program_id


async def _event(
    runtime: Runtime,
    organizer_id: str,
    program_ids: list[str],
    title: str,
    program: int,
    points: int,
    place: str,
    area: str,
) -> Any:
    now = clock.now()
    created = await events.create(
        runtime.db,
        organizer_id,
        program_ids[program],
        title,
        points,
        now - timedelta(hours=1),
        now + timedelta(days=30),
        place=place,
        area=area,
    )
    return await events.visible(runtime.db, str(created.result["id"]), None)


async def _take_part(runtime: Runtime, resident_ids: list[str], event_views: list[Any]) -> None:
    """Most residents come to one or two events; the OUTLIER comes to every volunteer event."""
    for n, resident_id in enumerate(resident_ids):
        chosen = {event_views[n % len(event_views)], event_views[(n * 7 + 3) % len(event_views)]}
        if n == OUTLIER:
            chosen |= {e for e in event_views if e.program_id == event_views[0].program_id}
        if n == 0:
            chosen |= set(event_views[:3])
        for event in chosen:
            program = await programs.get(runtime.db, event.program_id)
            await checkins.grant(runtime.db, resident_id, event, program, clock.now())


async def _charge_money(runtime: Runtime, resident_ids: list[str]) -> None:
    for n, resident_id in enumerate(resident_ids[:10]):
        topup = topups.TopUp(resident_id, 3000 + 1000 * (n % 3), "convenience_store", f"demo-{n:04d}")
        await topups.top_up(runtime.db, topup, ceiling=runtime.settings.money_ceiling, idempotency=None)


async def _shop(
    runtime: Runtime,
    name: str,
    ascii_name: str,
    mcc: str,
    fee_bps: int,
    area: str,
    bank: tuple[str, str, str, str],
) -> dict[str, Any]:
    account = merchants.BankAccount(bank[0], bank[1], "ordinary", bank[2], bank[3])
    new = merchants.NewMerchant(
        name=name, mcc=mcc, fee_bps=fee_bps, name_ascii=ascii_name, area=area, bank=account
    )
    return await merchants.create(runtime.db, new)


async def _shop_around(runtime: Runtime, resident_ids: list[str], shops: list[dict[str, Any]]) -> None:
    """Payments at every shop, one refunded in part, a settlement, and then a few more (still owed)."""
    bought = []
    for n, resident_id in enumerate(resident_ids[:10]):  # those with money besides their points
        shop = shops[n % len(shops)]
        amount = 180 + 70 * (n % 5)
        bought.append(await paying.pay(runtime.db, resident_id, shop["qr_payload"], amount, "points_first"))
    first = bought[0].result
    await refunds.refund(runtime.db, str(first["merchant_id"]), str(first["id"]), 50)
    await settlement.settle(runtime.db, None)
    for n, resident_id in enumerate(resident_ids[:4]):
        await paying.pay(runtime.db, resident_id, shops[0]["qr_payload"], 240 + 30 * n, "points_first")


async def _donate_and_give(runtime: Runtime, resident_ids: list[str]) -> None:
    recipient_ids = [
        str((await donations.create_recipient(runtime.db, name, idempotency=None)).result["id"])
        for name in RECIPIENTS
    ]
    for n, resident_id in enumerate(resident_ids[12:18]):  # those who kept their points
        key = Idempotency(resident_id, f"demo-donation-{n}", hashlib.sha256(f"demo {n}".encode()).digest())
        await donations.donate(
            runtime.db, resident_id, recipient_ids[n % 2], 20 + 5 * n, public_name=n % 3 == 1, idempotency=key
        )
    settings = runtime.settings
    await gifts.give(
        runtime.db,
        resident_ids[13],
        resident_ids[0],
        20,
        clock.now(),
        enabled=settings.gifting_enabled,
        daily_limit=settings.gift_daily_limit,
    )


async def _ride_the_bus(runtime: Runtime, resident_id: str) -> None:
    operator = await rides.create_operator(runtime.db, "みたかシティバス")
    route = rides.NewRoute(operator["id"], "kitano", "北野ルート", "bus")
    await rides.create_route(runtime.db, route)
    settings = runtime.settings
    now = clock.now()
    code = paycodes.issue(runtime.keys, resident_id, now, settings.pay_code_seconds)["payload"]
    window = rides.TapWindow(
        skew=timedelta(seconds=settings.transit_reader_skew_seconds),
        late=timedelta(hours=settings.transit_late_upload_hours),
        pay_code_seconds=settings.pay_code_seconds,
    )
    await rides.tap(
        runtime.db, runtime.keys, rides.Reading(operator["id"], "kitano", code, None), window, now
    )
