"""`bench.peers` without its extra: the default install must be able to read its options, print its table and
say how to install what it lacks (django-hordak stays out of `make test`)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from bench.peers import Plan, Row, missing_peers, parse, table
from bench.pgbench import TpcbResult


def test_importing_the_benchmark_loads_neither_django_nor_hordak() -> None:
    probe = "import sys, bench.peers; print(sorted({'django', 'hordak', 'psycopg'} & set(sys.modules)))"
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert answer.stdout.strip() == "[]"


def test_a_missing_extra_is_named_with_the_command_that_installs_it() -> None:
    message = missing_peers(("surely_no_such_module_here",))
    assert message is not None
    assert "surely_no_such_module_here" in message
    assert "pip install -e '.[bench]'" in message


def test_options_default_to_fifteen_seconds_and_both_layouts_of_hordak() -> None:
    assert parse([]) == Plan(seconds=15.0, pgbench_seconds=15, hordak_processes=(1, 2), guarded=True)
    plan = parse(["--seconds", "5", "--hordak-processes", "2,4", "--no-guarded", "--rounds", "2"])
    assert (plan.seconds, plan.pgbench_seconds, plan.hordak_processes, plan.guarded, plan.rounds) == (
        5.0,
        5,
        (2, 4),
        False,
        2,
    )


def test_a_layout_that_does_not_divide_the_callers_is_refused() -> None:
    with pytest.raises(SystemExit):
        parse(["--hordak-processes", "3"])


def test_each_row_is_set_against_pgbench_and_against_us_in_the_same_mode() -> None:
    pgbench = TpcbResult(2000.0, 16.0, 32, 32, 2, 15, 500.0)
    rows = [
        Row("services.ledger.transfer spread", "spread", 1500.0, 250.0),
        Row("services.ledger.transfer hot", "hot", 1800.0, 240.0),
        Row("django-hordak hot (2 × 16 threads)", "hot", 450.0, 1000.0),
    ]
    lines = table(pgbench, rows)
    assert lines[1].split()[-5:] == ["2,000", "1.00", "1.33", "500", "1.00"]  # pgbench against our spread
    assert lines[3].split()[-5:] == ["1,800", "0.90", "1.00", "240", "2.08"]
    assert lines[4].split()[-5:] == ["450", "0.23", "0.25", "1,000", "0.50"]
