"""The bank run, short enough for every CI run (about a minute): 30 seconds of 32 clients through every
fault the long run inflicts (connections cut, PostgreSQL crashed and recovered, a worker killed).
docs/reliability.md records the long run, `python -m tests.faults.bank_run --seconds 600`."""

from __future__ import annotations

import asyncio

import pytest

from tests.faults.bank_run import Options, bank_run, render
from tests.faults.clients import KINDS

pytestmark = pytest.mark.slow


def test_nothing_is_lost_invented_or_written_twice_through_the_faults() -> None:
    report = asyncio.run(bank_run(Options(seconds=30, clients=32, workers=2, residents=32, events=50)))
    assert report.ok, render(report)
    assert [f.what for f in report.faults].count("pg_ctl -m immediate") == 1, render(report)
    assert {f.what for f in report.faults} == {
        "pg_terminate_backend",
        "pg_ctl -m immediate",
        "SIGKILL worker",
    }
    outcomes = report.history.outcomes()
    assert all(outcomes[(kind, "ok")] > 0 for kind in KINDS), render(report)
    assert report.reads and all(read.consistent for read in report.reads)
    assert report.history.lost_answers > 0, "the faults cost no answer: they did not hit the clients"
