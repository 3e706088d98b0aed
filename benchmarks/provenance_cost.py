"""What recording provenance costs: on `fertui add` (the code state of the job's folder) and on
a job's start (code state again, the job's environment, the files in its run folder).

A scratch git repository of 1,000 source files (50 folders of 20) is committed, then made dirty
the usual way: 3 tracked files edited, 2 untracked scripts added. Each case runs --rounds
times in this process, alternating with a bare `git --version` (the price of starting any git
process on this machine, so load shows in both alike); medians and 90th percentiles of wall
time, and the median CPU time of this process and its git children, which load inflates far
less than wall time on a shared machine.

Usage: PYTHONPATH=$PWD .venv/bin/python benchmarks/provenance_cost.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from fertui.provenance.git import code_state
from fertui.provenance.record import QueueRecorder, record_start

FILES, PER_FOLDER = 1000, 20


def make_repo(root: Path) -> Path:
    repo = root / "lab"
    for i in range(FILES):
        path = repo / f"pkg{i // PER_FOLDER:02d}" / f"module{i % PER_FOLDER:02d}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"def f{j}(x):\n    return x * {j} + {i}\n\n" for j in range(12)))
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@x",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@x",
    }
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "start"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, env=env)
    return repo


def make_dirty(repo: Path) -> None:
    for i in range(3):
        path = repo / f"pkg{i:02d}" / "module00.py"
        path.write_text(path.read_text() + f"\nEDITED = {i}\n")
    for i in range(2):
        (repo / f"scratch{i}.py").write_text(f"print({i})\n")


def cpu_s() -> float:
    """CPU time of this process and of its finished children (git): what load does not inflate."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(fn) -> tuple[float, float]:
    start, cpu = time.perf_counter(), cpu_s()
    fn()
    return (time.perf_counter() - start) * 1000, (cpu_s() - cpu) * 1000


def summary(samples: list[tuple[float, float]]) -> str:
    wall = sorted(w for w, _ in samples)
    cpu = statistics.median(c for _, c in samples)
    return (
        f"wall median {statistics.median(wall):6.1f} ms  p90 {wall[int(0.9 * (len(wall) - 1))]:6.1f} ms"
        f"   CPU median {cpu:6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fertui-provenance-") as tmp:
        repo = make_repo(Path(tmp))
        run_dir = Path(tmp) / "runs" / "00001"
        run_dir.mkdir(parents=True)
        doc = {"kind": "command", "config": {"job": {"cwd": str(repo)}}}
        argv, env = ["python", "train.py"], dict(os.environ)
        cases = {
            "git --version (any git start)": lambda: subprocess.run(
                ["git", "--version"], check=True, capture_output=True
            ),
            "fertui add: code state, clean repo": lambda: QueueRecorder().mark(dict(doc)),
            "job start: record_start, clean repo": lambda: record_start(doc, run_dir, argv, env, []),
        }
        samples: dict[str, list[tuple[float, float]]] = {k: [] for k in cases}
        for phase in ("clean", "dirty"):
            if phase == "dirty":
                make_dirty(repo)
                cases = {k.replace("clean", "dirty"): v for k, v in cases.items() if "git" not in k}
                samples.update({k: [] for k in cases})
            for fn in cases.values():
                fn()  # warm the page cache and git's index stat data
            for _ in range(args.rounds):
                for label, fn in cases.items():
                    samples[label].append(timed(fn))
        state = code_state(repo)
        print(
            f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {os.getloadavg()[0]:.1f}"
        )
        print(
            f"# repo: {FILES} files; dirty: {len(state.changed)} changed, {len(state.untracked)} untracked, "
            f"patch {len(state.patch)} bytes; {args.rounds} rounds"
        )
        for label, values in samples.items():
            print(f"{label:40s} {summary(values)}")


if __name__ == "__main__":
    main()
