"""django-hordak's side of `bench.peers`, in processes of their own: set up its database, and run threads of
transfers through its API. Only the standard library at import (Django and hordak are imported inside the
functions, after Django is configured), so that a spawned process starts quickly and `bench.peers` imports
without the `bench` extra."""

from __future__ import annotations

import random
import threading
import time
from typing import Any
from urllib.parse import unquote, urlsplit

CURRENCY = "JPY"


def configure_django(url: str) -> None:
    """Django as a deployed app would be set up for hordak: no DEBUG (which keeps every query), persistent
    connections, one currency."""
    import django
    from django.conf import settings

    parts = urlsplit(url)
    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        TIME_ZONE="UTC",
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "mptt", "hordak"],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": unquote(parts.path.lstrip("/")),
                "USER": unquote(parts.username or ""),
                "PASSWORD": unquote(parts.password or ""),
                "HOST": parts.hostname or "",
                "PORT": str(parts.port or ""),
                "CONN_MAX_AGE": None,
            }
        },
        DEFAULT_CURRENCY=CURRENCY,
        CURRENCIES=[CURRENCY],
        HORDAK_CURRENCIES=[CURRENCY],
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    )
    django.setup()


def setup(url: str, accounts: int) -> None:
    """hordak's migrations (its triggers included) and its accounts: `accounts` asset accounts and a hot one,
    funded from an equity account as ours are, in one Transaction of hordak's with a Leg each (only the
    guarded transfer looks at a balance)."""
    configure_django(url)
    from django.core.management import call_command
    from django.db import connection, transaction
    from hordak.models import Account, AccountType, Leg, Transaction
    from moneyed import Money

    call_command("migrate", verbosity=0)
    funds = {"hot": 10_000_000_000, **{f"acct:{i:05d}": 10_000_000 for i in range(accounts)}}
    with transaction.atomic():
        funding = Account.objects.create(name="funding", type=AccountType.equity, currencies=[CURRENCY])
        grant = Transaction.objects.create(description="funding")
        legs = [Leg(transaction=grant, account=funding, credit=Money(sum(funds.values()), CURRENCY))]
        for name, amount in funds.items():
            account = Account.objects.create(name=name, type=AccountType.asset, currencies=[CURRENCY])
            legs.append(Leg(transaction=grant, account=account, debit=Money(amount, CURRENCY)))
        Leg.objects.bulk_create(legs)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # plans for the tables as they will be, not as they were empty


class Overdraft(Exception):
    """The guarded transfer's refusal: the source account's balance is below the amount."""


def transfer_function(guarded: bool) -> Any:
    """hordak's transfer, `Account.transfer_to` (a Transaction and two Legs in one database transaction,
    checked by hordak's triggers); guarded, inside a transaction that first locks the source and reads its
    balance, the check a points ledger cannot do without. The lock is FOR NO KEY UPDATE: a plain FOR UPDATE
    deadlocks against the FOR KEY SHARE that the legs' foreign keys take on the other account."""
    from django.db import transaction
    from hordak.models import Account
    from moneyed import Money

    amount = Money(1, CURRENCY)

    def plain(source: Any, destination: Any) -> None:
        source.transfer_to(destination, amount)

    def checked(source: Any, destination: Any) -> None:
        with transaction.atomic():
            locked = Account.objects.select_for_update(no_key=True).get(pk=source.pk)
            if locked.get_simple_balance()[CURRENCY] < amount:
                raise Overdraft(locked.name)
            locked.transfer_to(destination, amount)

    return checked if guarded else plain


class _Callers:
    """What the threads of one process share: when they start and stop, their counts, their first error."""

    def __init__(self, threads: int) -> None:
        self.warmed = threading.Barrier(threads + 1)
        self.stopped = threading.Barrier(threads + 1)
        self.go, self.leave = threading.Event(), threading.Event()
        self.lock = threading.Lock()
        self.deadline = 0.0
        self.done = self.refused = self.failed = 0
        self.error = ""

    def add(self, done: int, refused: int, failed: int, error: str) -> None:
        with self.lock:
            self.done, self.refused, self.failed = (
                self.done + done,
                self.refused + refused,
                self.failed + failed,
            )
            self.error = self.error or error


def callers(
    url: str, mode: str, guarded: bool, threads: int, seconds: float, seed: int, barrier: Any, out: Any
) -> None:
    """One process of `threads` callers, each with its own persistent connection, started with the others by
    `barrier`; it reports (transfers, refused, failed, seconds, its CPU seconds, first error) and keeps its
    connections until the parent has read their CPU time."""
    configure_django(url)
    from django.db import connection
    from hordak.models import Account

    spread = list(Account.objects.filter(name__startswith="acct:").order_by("name"))
    hot = Account.objects.get(name="hot")
    connection.close()  # the main thread's; each caller opens its own
    transfer, shared = transfer_function(guarded), _Callers(threads)

    def pick(rng: random.Random) -> tuple[Any, Any]:
        if mode == "hot":
            other = rng.choice(spread)
            return (hot, other) if rng.random() < 0.5 else (other, hot)
        a, b = rng.sample(spread, 2)
        return a, b

    def caller(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        try:
            for _ in range(3):  # opens the connection, warms Django's caches
                transfer(*pick(rng))
        except Exception as exc:
            shared.add(0, 0, 1, repr(exc))
            shared.warmed.abort()
            raise
        shared.warmed.wait()
        shared.go.wait()
        done = refused = failed = 0
        error = ""
        while time.monotonic() < shared.deadline:
            try:
                transfer(*pick(rng))
                done += 1
            except Overdraft:
                refused += 1
            except Exception as exc:  # a peer that fails must say so, not hide in its rate
                failed += 1
                error = error or repr(exc)
        shared.add(done, refused, failed, error)
        shared.stopped.wait()
        shared.leave.wait()
        connection.close()

    pool = [threading.Thread(target=caller, args=(n,), daemon=True) for n in range(threads)]
    for thread in pool:
        thread.start()
    try:
        shared.warmed.wait()
    except threading.BrokenBarrierError:
        barrier.abort()
        raise SystemExit(f"django-hordak failed while warming up: {shared.error}") from None
    barrier.wait()  # every process warmed up: the parent reads the CPU times
    barrier.wait()  # ... and has read them
    began, cpu = time.monotonic(), time.process_time()
    shared.deadline = began + seconds
    shared.go.set()
    shared.stopped.wait()
    elapsed, cpu = time.monotonic() - began, time.process_time() - cpu
    out.put((shared.done, shared.refused, shared.failed, elapsed, cpu, shared.error))
    barrier.wait()  # the parent has read the backends' CPU time: the connections may go
    shared.leave.set()
    for thread in pool:
        thread.join()
