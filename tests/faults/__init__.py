"""Faults and hostile input: the bank run (a Jepsen-style history check under crashes)."""
