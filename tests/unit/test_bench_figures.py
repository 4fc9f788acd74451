"""What `bench.payments` says of the service's event loop and of the machine, from /proc (Linux)."""

from __future__ import annotations

import os
import threading

from bench.figures import busiest_thread, machine_clock, thread_clocks


def test_the_busiest_thread_is_the_one_that_ran_most_and_its_shares_add_up() -> None:
    before = {1: (10.0, 1.0), 2: (5.0, 0.0), 3: (1.0, 0.0)}
    after = {1: (10.5, 1.1), 2: (7.0, 0.5), 4: (3.0, 0.0)}  # 3 ended, 4 is new: neither counts
    on_cpu, runnable = busiest_thread(before, after, seconds=4.0)
    assert (on_cpu, runnable) == (0.5, 0.125)
    assert busiest_thread({}, after, seconds=4.0) == (0.0, 0.0)


def test_this_process_s_threads_are_found_and_their_clocks_only_go_forward() -> None:
    started, stop = threading.Event(), threading.Event()

    def spin() -> None:
        started.set()
        while not stop.is_set():
            sum(range(1000))

    spinner = threading.Thread(target=spin)
    spinner.start()
    started.wait()
    try:
        before = thread_clocks(os.getpid())
        assert os.getpid() in before and spinner.native_id in before
        sum(range(200_000))
        after = thread_clocks(os.getpid())
    finally:
        stop.set()
        spinner.join()
    assert all(after[tid][0] >= was[0] and after[tid][1] >= was[1] for tid, was in before.items())
    assert after[os.getpid()][0] > before[os.getpid()][0]


def test_the_machine_clock_counts_idle_time_within_all_time() -> None:
    total, idle = machine_clock()
    later_total, later_idle = machine_clock()
    assert 0 <= idle <= total <= later_total and idle <= later_idle
