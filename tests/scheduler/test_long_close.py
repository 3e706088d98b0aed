"""An ended job's output is read to the end outside the scheduler's loop: while a long final
read goes on (100,000 lines took ~14 s on a loaded machine), other runs start, end and are
closed, and the long one still closes with its last value."""

from __future__ import annotations

import threading

from fertui.scheduler.core import Scheduler
from fertui.scheduler.ingest import RunIngest
from tests.waiting import wait_for


def test_a_long_final_read_holds_up_no_other_run(jobs, monkeypatch):
    jobs.settings("[scheduler]\ncpu_slots = 2\n")
    slow = jobs.add("print('val/acc: 0.91', flush=True)")
    quick = jobs.add("import time; time.sleep(0.5); print('val/acc: 0.5', flush=True)")
    gate = threading.Event()  # stands for the time a huge backlog takes to read
    read_to_end = RunIngest.read_to_end

    def slow_to_read(ingest):
        if ingest.tail.path.parent.name == slow:
            gate.wait(30)
        yield from read_to_end(ingest)

    monkeypatch.setattr(RunIngest, "read_to_end", slow_to_read)
    scheduler = Scheduler(jobs.ws)

    def ticked_until(condition):
        return lambda: scheduler.tick() or condition()

    try:
        wait_for(ticked_until(lambda: jobs.status(quick) == "done"), 20, "the quick run to be closed")
        assert jobs.status(slow) == "running"  # its job exited; its output is still being read
        assert (jobs.root / "runs" / slow / "exit.json").exists()
    finally:
        gate.set()
    wait_for(ticked_until(lambda: jobs.status(slow) == "done"), 20, "the slow run to be closed")
    assert jobs.run(slow)["summary"]["last"]["val/acc"] == 0.91
    assert jobs.run(quick)["summary"]["last"]["val/acc"] == 0.5
