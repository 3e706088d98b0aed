"""Time to recover from the faults of issue #25, each injected on a fresh workspace with real
processes: `fertui store restore` after the hot file is emptied under a running job, after it is
deleted, after a double fault (the hot file, its backup and a partition without a good backup all
lost: every run rebuilt from its folder), and `fertui store repair-journal` on a torn journal.

Each line: the fault, the wall time of the recovering command (a fresh process, so start-up
included), and what the store says afterwards (runs lost, runs started twice).

Usage: .venv/bin/python benchmarks/restore_recovery.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GATED = (
    "import os, time\n"
    "d = os.environ['FERTUI_RUN_DIR']\n"
    "open(os.path.join(d, 'started.%d' % os.getpid()), 'w').close()\n"
    "while not os.path.exists(os.path.join(d, 'go')): time.sleep(0.05)\n"
)


def fertui(root: Path, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "fertui.cli.main", "--workspace", str(root), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    return time.perf_counter() - start, done


def wait(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.05)


def runs(root: Path) -> dict[str, str]:
    _, done = fertui(root, "ls", "--all", "--json")
    return {r["id"]: r["status"] for r in json.loads(done.stdout)}


def emptied_under_a_running_job(root: Path, deleted: bool) -> str:
    fertui(root, "add", "--", "python", "-c", GATED)
    fertui(root, "daemon", "start")
    run_dir = root / "runs" / "00001"
    wait(lambda: list(run_dir.glob("started.*")))
    hot = root / "runs" / "fertui.json"
    hot.unlink() if deleted else hot.write_text("")
    took, done = fertui(root, "store", "restore")
    assert done.returncode == 0, done.stderr
    state = runs(root)["00001"]
    (run_dir / "go").write_text("")
    wait(lambda: runs(root)["00001"] == "done")
    fertui(root, "daemon", "stop")
    return f"{took:.2f} s; run {state} then done, started {len(list(run_dir.glob('started.*')))}x"


def double_fault(root: Path, n: int) -> str:
    (root / "fertui.toml").write_text("[scheduler]\ncpu_slots = 2\n")
    for _ in range(n):
        fertui(root, "add", "--", "python", "-c", "print('val/acc: 1')")
    fertui(root, "run")
    before = runs(root)
    hot = root / "runs" / "fertui.json"
    hot.write_text("{")
    hot.with_name("fertui.json.bak").write_text("null")
    for part in (root / "runs" / "store").glob("*.json"):
        part.write_text("")
        part.with_name(part.name + ".bak").unlink(missing_ok=True)
    took, done = fertui(root, "store", "restore")
    assert done.returncode == 0, done.stderr
    after = runs(root)
    lost = len(set(before) - set(after))
    changed = sum(1 for k in before if after.get(k) != before[k])
    return f"{took:.2f} s for {n} runs rebuilt from their folders; lost {lost}, status changed {changed}"


def torn_journal(root: Path) -> str:
    (root / "s.toml").write_text(
        '[run]\nname = "x{params.x}"\n[job]\ncommand = ["python", "-c", "pass"]\n'
        '[sweep]\nname = "tj"\n[sweep.axes]\n"params.x" = [1, 2, 3]\n'
    )
    fertui(root, "add", str(root / "s.toml"))
    fertui(root, "run")
    journal = root / "runs" / "optuna.journal"
    lines = journal.read_bytes().split(b"\n")
    lines[2] = lines[2][: len(lines[2]) // 2] + lines[3]
    del lines[3]
    journal.write_bytes(b"\n".join(lines))
    took, done = fertui(root, "store", "repair-journal")
    assert done.returncode == 0, done.stderr
    return f"{took:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load {os.getloadavg()[0]:.1f}"
    )
    scenarios = [
        ("hot file emptied under a running job", lambda r: emptied_under_a_running_job(r, False)),
        ("hot file deleted under a running job", lambda r: emptied_under_a_running_job(r, True)),
        ("double fault", lambda r: double_fault(r, args.runs)),
        ("torn optuna.journal line", torn_journal),
    ]
    for name, scenario in scenarios:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"{name}: {scenario(Path(tmp))}")


if __name__ == "__main__":
    main()
