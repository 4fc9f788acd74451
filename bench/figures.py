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
