"""The demo town's Zengin file, read record by record against the 総合振込 layout and the Zengin list of
banks and branches (`zengin-code`, read here directly): what a bank's intake would check."""

from __future__ import annotations

from typing import Any

import jaconv
from zengin_code import Bank

from mitapo.demo import load as demo
from tests.api.conftest import TEST_PAYER, Api

CHARSET = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ ().,-/\\ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝﾞﾟ")


def _kana(full_width: str, width: int) -> str:
    """The list's katakana as a bank's field holds it: half-width, ﾞ and ﾟ apart, cut to `width` bytes."""
    half = jaconv.z2h(full_width, kana=True, ascii=True, digit=True).replace("ｰ", "-")
    return half.encode("cp932")[:width].decode("cp932", errors="ignore")


def _text(record: bytes, start: int, end: int) -> str:
    value = record[start:end].decode("cp932")
    assert set(value) <= CHARSET, value
    return value.rstrip(" ")


def _digits(record: bytes, start: int, end: int) -> int:
    value = record[start:end].decode("ascii")
    assert value.isdigit(), value
    return int(value)


def _branch(bank_code: str, branch_code: str) -> Any:
    assert bank_code in Bank.all, bank_code
    assert branch_code in Bank.all[bank_code].branches, (bank_code, branch_code)
    return Bank.all[bank_code].branches[branch_code]


def test_the_demo_towns_zengin_file_pays_its_shops_and_passes_a_record_by_record_check(
    api: Api, tmp_path: Any
) -> None:
    api.run(demo.load, api.runtime, tmp_path / "demo")
    admin = api.token("admin")
    settlement_id = api.run(_only_settlement, api)
    lines = api.get(f"/v1/settlements/{settlement_id}", admin).json()["lines"]
    owed = {line["merchant_id"]: line["payout"] for line in lines if line["party_kind"] == "merchant"}
    assert len(owed) == 3 and all(owed.values())
    content = api.get(f"/v1/settlements/{settlement_id}/payout.zengin", admin).content
    assert content.endswith(b"\r\n")
    records = content.split(b"\r\n")[:-1]
    assert all(len(record) == 120 for record in records)
    kinds = [record[:1] for record in records]
    assert kinds == [b"1"] + [b"2"] * (len(records) - 3) + [b"8", b"9"]

    header = records[0]
    payer = TEST_PAYER.split(",")
    assert header[1:3] == b"21" and header[3:4] == b"0" and _digits(header, 4, 14) == int(payer[0])
    assert _text(header, 14, 54) == payer[1]
    assert 101 <= _digits(header, 54, 58) <= 1231  # MMDD
    branch = _branch(header[58:62].decode(), header[77:80].decode())
    assert _text(header, 62, 77) == _kana(branch.bank.kana, 15)
    assert _text(header, 80, 95) == _kana(branch.kana, 15)
    assert header[95:96] in (b"1", b"2", b"4") and _digits(header, 96, 103) >= 0
    assert header[103:120] == b" " * 17

    paid = []
    for data in records[1:-2]:
        branch = _branch(data[1:5].decode(), data[20:23].decode())
        assert _text(data, 5, 20) == _kana(branch.bank.kana, 15)
        assert _text(data, 23, 38) == _kana(branch.kana, 15)
        assert data[38:42] == b"    " and data[42:43] in (b"1", b"2", b"4")
        assert _digits(data, 43, 50) > 0
        assert _text(data, 50, 80)  # the holder, in the banks' character set
        amount = _digits(data, 80, 90)
        assert amount > 0 and data[90:91] == b"0"
        assert data[111:112] == b"7" and data[112:120] == b" " * 8
        paid.append(amount)
    assert sorted(paid) == sorted(owed.values())

    trailer, end = records[-2], records[-1]
    assert _digits(trailer, 1, 7) == len(paid) and _digits(trailer, 7, 19) == sum(paid)
    assert trailer[19:] == b" " * 101 and end[1:] == b" " * 119


async def _only_settlement(api: Api) -> str:
    async with api.runtime.db.raw() as conn:
        return str(await conn.fetchval("SELECT id FROM settlements"))
