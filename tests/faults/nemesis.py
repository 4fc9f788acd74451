"""The faults, on a schedule spread over the run: the service's database connections cut
(`pg_terminate_backend`) every sixth of the run, PostgreSQL crashed (`pg_ctl -m immediate`) and started again
once at the middle, and a uvicorn worker SIGKILLed in the middle of its requests at three and seven tenths.
With the writer in its own process (`mitapo serve --writer process`), that process is SIGKILLed too, in the
middle of its batches, at four and nine tenths; `Schedule.writer_only` inflicts those kills alone."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

from tests.faults.cluster import Cluster
from tests.faults.service import Service


@dataclass(frozen=True, slots=True)
class Fault:
    at: float  # seconds into the run
    what: str
    detail: str


@dataclass
class Schedule:
    seconds: float
    terminations: list[float] = field(default_factory=list)
    crash: float = 0.0
    kills: list[float] = field(default_factory=list)
    writer_kills: list[float] = field(default_factory=list)
    crashes: bool = True

    @classmethod
    def spread(cls, seconds: float, *, writer_process: bool = False) -> Schedule:
        return cls(
            seconds,
            terminations=[seconds * n / 6 for n in range(1, 6) if n != 3],
            crash=seconds / 2,
            kills=[seconds * 0.3, seconds * 0.7],
            writer_kills=[seconds * 0.4, seconds * 0.9] if writer_process else [],
        )

    @classmethod
    def writer_only(cls, seconds: float) -> Schedule:
        """The writer's process SIGKILLed at a third and two thirds, nothing else."""
        return cls(seconds, writer_kills=[seconds / 3, seconds * 2 / 3], crashes=False)

    def events(self) -> list[tuple[float, str]]:
        planned = [(t, "terminate") for t in self.terminations]
        planned += [(self.crash, "crash")] if self.crashes else []
        planned += [(t, "kill_writer") for t in self.writer_kills]
        return sorted(planned + [(t, "kill") for t in self.kills])


async def inflict(
    schedule: Schedule, cluster: Cluster, database: str, service: Service, rng: random.Random
) -> list[Fault]:
    loop = asyncio.get_running_loop()
    started = loop.time()
    done: list[Fault] = []
    for at, what in schedule.events():
        await asyncio.sleep(max(0.0, started + at - loop.time()))  # the schedule's own clock
        now = loop.time() - started
        if what == "terminate":
            cut = await cluster.terminate_backends(database)
            done.append(Fault(now, "pg_terminate_backend", f"{cut} connections of the service cut"))
        elif what == "crash":
            await asyncio.to_thread(cluster.crash)
            down = loop.time()
            await asyncio.to_thread(cluster.start)
            done.append(
                Fault(now, "pg_ctl -m immediate", f"down and recovered in {loop.time() - down:.1f} s")
            )
        elif what == "kill_writer":
            pid = service.kill_the_writer()
            done.append(Fault(now, "SIGKILL writer process", f"pid {pid}"))
        else:
            pid = service.kill_a_worker(rng)
            done.append(Fault(now, "SIGKILL worker", f"pid {pid}"))
    return done
