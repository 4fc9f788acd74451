from __future__ import annotations

import asyncio

from mitapo.engine import chart, ledger
from mitapo.runtime import Runtime
from mitapo.settings import Settings


def test_fund_transfer_seal_checkpoint(database_url: str, tmp_path) -> None:
    async def main() -> None:
        rt = Runtime(Settings(data_dir=tmp_path), database_url)
        await rt.start(migrate_first=False, background=False)
        try:
            await ledger.open_accounts(rt.db, chart.plain_account("a"), chart.plain_account("b"))
            await ledger.fund_program(rt.db, "p1", 1000)
            await ledger.transfer(rt.db, source="program:p1:budget", destination="a", asset="PT", amount=300)
            results = await asyncio.gather(
                *[
                    ledger.transfer(rt.db, source="a", destination="b", asset="PT", amount=100)
                    for _ in range(5)
                ],
                return_exceptions=True,
            )
            print(results)
            assert sum(1 for r in results if not isinstance(r, Exception)) == 3
            assert await rt.seal_now() == 5
            assert await rt.checkpoint_now() == 5
        finally:
            await rt.stop()

    asyncio.run(main())
