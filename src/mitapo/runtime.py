"""The running service without HTTP: database, writer, signing keys and the background jobs (sealing,
checkpoints). The HTTP app, the command line, the tests and the benchmarks all start one of these."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mitapo.engine import clock, migrate, sealer
from mitapo.engine.database import Database
from mitapo.engine.keys import KeyRing, LiveKeys
from mitapo.engine.sealer_process import SealerProcess
from mitapo.engine.writer import BatchObserver
from mitapo.payments import egress, webhooks
from mitapo.points import expiry, reminders
from mitapo.settings import Settings
from mitapo.transit import bookings

log = structlog.get_logger(__name__)


def database_url(settings: Settings) -> str:
    """The configured PostgreSQL, or the embedded one under the data directory."""
    if settings.database_url:
        return settings.database_url
    from mitapo.engine.embedded import embedded_database_url

    return embedded_database_url(settings.data_dir)


class Runtime:
    def __init__(self, settings: Settings, url: str, *, observer: BatchObserver | None = None) -> None:
        self.settings = settings
        self.db = Database(
            url,
            pool_size=settings.pool_size,
            batch_max=settings.batch_max,
            observer=observer,
            writer_socket=settings.writer_socket,
        )
        self._keys = LiveKeys(settings.key_path)
        self._tasks: list[asyncio.Task[None]] = []
        self._sealer: SealerProcess | None = None
        self._sealed_here_at: float = 0.0
        self.background_running = False

    async def start(
        self, *, migrate_first: bool = True, background: bool = True, wait_for_database: float = 0.0
    ) -> None:
        """Migrate (if asked), connect, publish the signing keys and start the background jobs; with
        `wait_for_database`, first wait that many seconds at most for a database that does not answer yet."""
        if wait_for_database > 0:
            await self.db.wait_until_reachable(wait_for_database)
        if migrate_first:
            await asyncio.to_thread(migrate.upgrade, self.db.url)
        await self.db.start()
        async with self.db.raw() as conn:
            await sealer.publish_keys(conn, self.public_keys_raw())
        self._sealed_here_at = asyncio.get_running_loop().time()
        self.background_running = background
        if background:
            self._sealer = SealerProcess(
                self.db.url, self.settings.seal_interval, log_json=self.settings.log_json
            )
            self._sealer.start()
            self._every(self.settings.checkpoint_interval, self.checkpoint_now, "checkpointer")
            self._every(self.settings.expiry_interval, self.expire_now, "expiry")
            self._every(self.settings.expiry_interval, self.remind_now, "reminders")
            self._every(self.settings.webhook_interval, self.deliver_webhooks_now, "webhooks")
            self._every(self.settings.transit_release_interval, self.release_no_shows_now, "no-shows")

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._sealer is not None:
            await asyncio.to_thread(self._sealer.stop)
            self._sealer = None
        await self.db.close()

    @property
    def keys(self) -> KeyRing:
        """The signing keys as they are now: a key rotated by another process is seen at once."""
        return self._keys.ring()

    def public_keys_raw(self) -> dict[str, bytes]:
        return {
            kid: key.public_bytes(Encoding.Raw, PublicFormat.Raw)
            for kid, key in self.keys.public_keys.items()
        }

    @property
    def last_seal_ok(self) -> float:
        """The event loop's time of the last pass of sealing that went through, here or in the sealer's
        process."""
        child = self._sealer.last_ok if self._sealer is not None else 0.0
        return max(self._sealed_here_at, child)

    async def seal_now(self) -> int:
        """Seal everything queued, in this process; return how many entries were sealed. It waits for a pass
        of the sealer's process under way: what was committed before the call is sealed when it returns."""
        total = 0
        async with self.db.raw() as conn:
            while (sealed := await sealer.seal_pending(conn, wait=True)) > 0:
                total += sealed
        self._sealed_here_at = asyncio.get_running_loop().time()
        return total

    async def checkpoint_now(self, *, empty: bool = False) -> int | None:
        """Seal what is committed and sign the head; with `empty`, an empty journal too (seq 0)."""
        await self.seal_now()
        async with self.db.raw() as conn:
            return await sealer.write_checkpoint(conn, self._keys.ring, empty=empty)

    async def remind_now(self) -> int:
        """Expiry reminders due today, by Web Push (`points.reminders`)."""
        now = clock.now()
        return await reminders.send_due(
            self.db,
            self.settings.key_path,
            clock.tokyo_date(now),
            now,
            enabled=self.settings.push_reminders,
            policy=self.webhook_policy,
        )

    async def expire_now(self) -> expiry.ExpiryReport:
        """Move the points whose date has passed (Tokyo) to breakage; cheap when nothing is due."""
        return await expiry.run(self.db, clock.tokyo_date(clock.now()))

    async def release_no_shows_now(self) -> int:
        """Give back the holds of on-demand bookings nobody showed up for; how many were released."""
        return await bookings.release_overdue(self.db, clock.now())

    async def deliver_webhooks_now(self) -> int:
        """Post the shops' due webhook events; how many were delivered."""
        return await webhooks.deliver_due(self.db, self.keys, policy=self.webhook_policy)

    @property
    def webhook_policy(self) -> egress.Policy:
        """Where webhooks and push reminders may go (`payments.egress`): public https only, unless the
        development setting (`webhook_allow_insecure`) allows http and loopback too."""
        return egress.Policy(allow_insecure=self.settings.webhook_allow_insecure)

    def _every(self, seconds: float, job: Callable[[], Awaitable[object]], name: str) -> None:
        async def loop() -> None:
            while True:
                try:
                    await job()
                except Exception:
                    log.exception("background.job_failed", job=name)
                await asyncio.sleep(seconds)

        self._tasks.append(asyncio.create_task(loop(), name=f"mitapo-{name}"))
