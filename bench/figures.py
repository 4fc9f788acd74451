"""What the HTTP benchmarks compute alike from what they measured: latency percentiles, and the processes
whose CPU time counts as the service's."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path

from bench.pgbench import cpu_seconds


def percentile(latencies_ms: Sequence[float], p: int) -> float:
    """The p-th percentile; NaN for fewer than two latencies, which have none."""
    return statistics.quantiles(latencies_ms, n=100)[p - 1] if len(latencies_ms) > 1 else float("nan")


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (uvicorn's workers, the sealer's and the writer's processes, the workers'
    sealers), from /proc (Linux)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except OSError:  # the process ended while we looked
            continue
    found = [pid]
    for candidate in found:  # grows while it is walked: children, then theirs
        found.extend(child for child, parent in parents.items() if parent == candidate)
    return found


def server_cpu_seconds(pid: int) -> float:
    """CPU time so far of the service's process and its workers."""
    spent = cpu_seconds(process_tree(pid))
    assert spent is not None, "the benchmark reads CPU time from /proc (Linux)"
    return spent


def thread_clocks(pid: int) -> dict[int, tuple[float, float]]:
    """For every thread of `pid`'s process tree: seconds so far on a CPU and seconds waiting, runnable, for
    one (/proc/<pid>/task/<tid>/schedstat, Linux)."""
    clocks: dict[int, tuple[float, float]] = {}
    for process in process_tree(pid):
        for task in Path(f"/proc/{process}/task").glob("[0-9]*"):
            try:
                on_cpu, runnable, _ = task.joinpath("schedstat").read_text().split()
            except OSError:  # the thread ended while we looked
                continue
            clocks[int(task.name)] = (int(on_cpu) / 1e9, int(runnable) / 1e9)
    return clocks


def busiest_thread(
    before: dict[int, tuple[float, float]], after: dict[int, tuple[float, float]], seconds: float
) -> tuple[float, float]:
    """The shares of `seconds` the busiest thread between two `thread_clocks` spent on a CPU and runnable but
    waiting for one; the rest of the time it had nothing to run (it waited for the database or a client)."""
    spent = [(after[tid][0] - was[0], after[tid][1] - was[1]) for tid, was in before.items() if tid in after]
    on_cpu, runnable = max(spent, default=(0.0, 0.0))
    return on_cpu / seconds, runnable / seconds


def machine_clock() -> tuple[int, int]:
    """All CPUs' jiffies so far, and those idle (idle and iowait), from /proc/stat."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]
