"""`mitapo serve --writer process`: the group-commit writer in a child process that both workers hand their
commands to (`mitapo.writer_process`, `engine.remote_writer`). The bank run's clients (32, each operation sent
with one Idempotency-Key until it has an answer, again with that key after a lost answer or a 5xx) through
it, and the checks of `checks.py`: nothing lost, invented or written twice, the journal verifies."""

from __future__ import annotations

import asyncio

import pytest

from tests.faults.bank_run import Options, Report, bank_run, render

pytestmark = pytest.mark.slow


def _writer_kills(report: Report) -> list[str]:
    return [f.detail for f in report.faults if f.what == "SIGKILL writer process"]


def test_through_the_writer_process_nothing_is_lost_invented_or_doubled_through_every_fault() -> None:
    report = asyncio.run(
        bank_run(Options(seconds=30, clients=32, workers=2, residents=32, events=50, writer="process"))
    )
    assert report.ok, render(report)
    assert {f.what for f in report.faults} == {
        "pg_terminate_backend",
        "pg_ctl -m immediate",
        "SIGKILL worker",
        "SIGKILL writer process",
    }, render(report)
    outcomes = report.history.outcomes()
    assert outcomes[("payment", "ok")] > 0, render(report)
    assert report.history.lost_answers > 0, "the faults cost no answer: they did not hit the clients"


def test_the_writer_process_killed_mid_load_loses_and_doubles_nothing_and_is_started_again() -> None:
    options = Options(
        seconds=20, clients=32, workers=2, residents=32, events=50, writer="process", writer_faults_only=True
    )
    report = asyncio.run(bank_run(options))
    assert report.ok, render(report)
    kills = _writer_kills(report)
    # the second kill found a writer's process again, another one: the parent had started a new one
    assert len(kills) == 2 and "None" not in kills and kills[0] != kills[1], render(report)
    at_the_end = report.figures["writer process at the end"]
    assert at_the_end != "none" and at_the_end not in kills, render(report)
    last_kill = max(f.at for f in report.faults)
    # the answers after the last kill came from the restarted writer
    assert any(op.outcome == "ok" and op.invoked > last_kill for op in report.history.ops), render(report)
    assert report.history.lost_answers > 0, "the kills cost no answer: they did not hit a batch"
