"""Work in forked worker processes: the same results, in the same order, as in this one; a
closure over this process's objects works, because the workers inherit it. In a process of
its own: a test session runs threads, and forking a threaded process is what the workbench
avoids too."""

from __future__ import annotations

import os
import sys

import pytest

from tests.conftest import python_json
from tracker.speed.parallel import in_workers

IN_WORKERS = """
import json, os
from tracker.speed.parallel import in_workers

table = {n: n * n for n in range(5000)}  # held by this process only: the workers inherit it
parent = os.getpid()

def task(chunk):
    return [(table[n], os.getpid() != parent) for n in chunk]

found = in_workers(task, list(range(5000)), least=100)
print(json.dumps(None if found is None else list(found)))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_a_closure_runs_in_workers_and_its_results_come_back_in_order():
    found = python_json(IN_WORKERS)
    if len(os.sched_getaffinity(0)) < 2:
        assert found is None  # one core: the caller runs it
        return
    assert [value for value, _ in found] == [n * n for n in range(5000)]
    assert all(elsewhere for _, elsewhere in found)


def test_too_few_items_are_left_to_the_caller():
    assert in_workers(lambda chunk: chunk, list(range(10)), least=100) is None
