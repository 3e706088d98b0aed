"""The console's curves of a finished run end where its stored summary does: the watcher reads a
run that has just ended to the end of its files, not one capped read."""

import json

from fertui.store import Store
from fertui.tui.messages import RunEvents
from fertui.tui.watcher import Watcher
from fertui.workspace import open_workspace


def test_a_run_that_ends_after_a_burst_of_events_is_read_to_its_last_event(tmp_path):
    ws = open_workspace(tmp_path)
    store = Store(ws.store_path)
    (run_id,) = store.add_runs([{"name": "burst"}])
    store.update_run(run_id, status="running")
    posted = []
    watcher = Watcher(ws, posted.append)
    watcher.poll_once()  # watching it while it runs
    run_dir = ws.run_dir(run_id)
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / "events.jsonl", "w") as fh:  # about 10 MB: more than one read of 8 MB
        for epoch in range(1, 101):
            fh.writelines(
                json.dumps(
                    {"type": "log", "step": epoch * 1000 + i, "metrics": {"train/loss": 1 / epoch}, "note": "x" * 40}
                )
                + "\n"
                for i in range(1000)
            )
            fh.write(
                json.dumps(
                    {"type": "log", "step": epoch * 1000 + 999, "epoch": epoch, "metrics": {"val/acc": 50 + epoch / 4}}
                )
                + "\n"
            )
    store.update_run(run_id, status="done", summary={"last": {"val/acc": 75.0}, "best": {"val/acc": 75.0}})
    watcher.snapshot_taken.set()
    watcher.poll_once()  # it has ended: the last look at its files
    events = [e for m in posted if isinstance(m, RunEvents) and m.run_id == run_id for e in m.events]
    accs = [e["metrics"]["val/acc"] for e in events if "val/acc" in e["metrics"]]
    assert len(events) == 100_100 and accs[-1] == 75.0
