"""Benchmarks of みたポ, each measured against plain PostgreSQL on the same server in the same run.

They are programs, not tests: `python -m bench.ledger_throughput` prints figures and ratios, and
`docs/benchmarks.md` records them with the command and the machine.
"""
