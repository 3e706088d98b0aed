"""Chunks: a large month or sweep is files of bounded size; a write rewrites one of them, readers
decode only the lines they show, and the one-time split of an older store loses and doubles
nothing, wherever a kill -9 lands."""

import os
import random
import subprocess
import sys
import textwrap
import time

import pytest

from fertui import store, store_chunks
from fertui.jsonio import dumps, loads
from fertui.store import LAYOUT_DOC, Store
from fertui.store_chunks import HEAD, TAIL
from fertui.store_partitions import add_to_ranges, partition_of


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(store_chunks, "CHUNK_RUNS", 10)


def _finished_store(tmp_path, count, sweep=None) -> tuple[Store, list[str]]:
    s = Store(tmp_path / "runs" / "fertui.json")
    ids = s.add_runs([{"name": f"r{i}", "sweep": sweep} for i in range(count)])
    s.update_runs({i: {"status": "done", "ended": time.time()} for i in ids})
    return s, ids


def _files(s: Store) -> dict[str, tuple[int, int]]:
    return {
        p.name: (p.stat().st_mtime_ns, p.stat().st_ino)
        for p in s.parts.folder.glob("*.json")
        if not p.name.startswith(".")
    }  # the chunks, not the index a move updates


def test_a_large_month_is_chunks_of_bounded_size_sorted_by_number(tmp_path, small_chunks):
    s, ids = _finished_store(tmp_path, 35)
    month = partition_of(s.get_run(ids[0]))
    assert s.parts.names() == [f"{month}+{k}" for k in range(4)]  # runs 1-9, 10-19, 20-29, 30-35
    assert s.parts.read_index()[f"{month}+1"] == [[10, 19]]
    for name in s.parts.names():
        numbers = [int(n) for n in s.parts.raw_rows(name)]
        assert numbers == sorted(numbers) and len(numbers) <= 10
    assert [r["id"] for r in s.runs()] == ids


def test_a_late_finisher_and_a_move_rewrite_one_chunk_only(tmp_path, small_chunks):
    s, ids = _finished_store(tmp_path, 35)
    index = s.parts.read_index()
    before = _files(s)
    s.update_run(ids[14], summary={"best": {"val/acc": 91.0}})  # run 15, finished, reports late
    after = _files(s)
    changed = [name for name in before if after[name] != before[name]]
    assert changed == [f"{partition_of(s.get_run(ids[14]))}+1.json"]
    assert s.parts.read_index() == index and s.get_run(ids[14])["summary"]["best"]["val/acc"] == 91.0
    [new] = s.add_runs([{"name": "late"}])
    s.update_run(new, status="failed")  # run 36 moves into the newest chunk, next to 30-35
    changed = [name for name in after if _files(s).get(name) != after[name]]
    assert changed == [f"{partition_of(s.get_run(new))}+3.json"]


def test_show_decodes_one_line_and_ls_reads_only_the_newest_lines(tmp_path, monkeypatch):
    s, ids = _finished_store(tmp_path, 120)
    decoded = []
    monkeypatch.setattr(store, "loads", lambda text: decoded.append(text) or loads(text))
    monkeypatch.setattr(s.parts, "read", lambda name: pytest.fail(f"{name} parsed whole"))
    for run_id in (ids[0], ids[77], ids[-1]):
        assert s.get_run(run_id)["id"] == run_id
    assert s.get_run("99999") is None
    picked, more = s.recent_runs(5)
    assert [r["id"] for r in picked] == ids[-5:] and more
    assert len(decoded) <= 6  # the five newest lines, and the one that showed the rest is older


def test_hand_edited_chunks_are_still_read(tmp_path, small_chunks):
    s, ids = _finished_store(tmp_path, 25)
    path = s.parts.path(s.parts.names()[1])
    path.write_text(dumps(loads(path.read_text())))  # someone rewrote it on one line
    assert [r["id"] for r in s.runs()] == ids
    assert s.get_run(ids[12])["id"] == ids[12]
    assert [r["id"] for r in s.recent_runs(20)[0]] == ids[-20:]
    s.update_run(ids[12], note="edited")  # its next write puts it back in lines
    assert s.parts.raw_rows(s.parts.names()[1]) is not None and s.get_run(ids[12])["note"] == "edited"


WHOLE_RUNS = 1230  # a month of 1,200 runs (three chunks of 500) and a sweep of 30


def _store_with_whole_partitions(root) -> dict[str, str]:
    """A store as fertui wrote it before chunks: one file per partition, runs in the order they
    finished; {number: the run's JSON text}."""
    folder = root / "runs" / "store"
    folder.mkdir(parents=True)
    texts, files, index = {}, {}, {}
    for n in range(1, WHOLE_RUNS + 1):
        doc = {
            "id": f"{n:05d}",
            "name": f"r{n}",
            "status": "done",
            "created": 1_796_000_000.0,
            "sweep": "S" if n > 1200 else None,
            "blob": "x" * 300,
        }
        texts[str(n)] = dumps(doc)
        files.setdefault(partition_of(doc), []).append(str(n))
    for name, numbers in files.items():
        random.Random(0).shuffle(numbers)
        lines = ",\n".join(f'"{n}":{texts[n]}' for n in numbers)
        (folder / f"{name}.json").write_text(HEAD + lines + TAIL)
        for n in numbers:
            index[name] = add_to_ranges(index.get(name, []), int(n))
    (folder / ".index.json").write_text(dumps(index))
    hot = {"runs": {}, "meta": {"1": {"next_run": WHOLE_RUNS + 1}, LAYOUT_DOC: {"layout": 2}}}
    (root / "runs" / "fertui.json").write_text(dumps(hot))
    return texts


def _copies(root) -> dict[str, list[str]]:
    """{number: its JSON text in each file holding it}, read straight from the files."""
    found: dict[str, list[str]] = {}
    for path in sorted((root / "runs" / "store").glob("[!.]*.json")):
        text = path.read_text()
        assert text.startswith(HEAD) and text.endswith(TAIL), path  # never a torn file
        for number, line in store_chunks.split_lines(text).items():
            found.setdefault(number, []).append(line)
    return found


SPLITTER = textwrap.dedent("""
    import os, signal, sys
    from fertui.store import Store
    calls, kill_at = [0], int(sys.argv[2])
    def counted(real):
        def call(*args, **kwargs):
            calls[0] += 1
            if calls[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)
        return call
    os.replace, os.unlink = counted(os.replace), counted(os.unlink)  # every rename and removal
    Store(sys.argv[1]).snapshot()  # the first command of a newer fertui splits the store
    print(calls[0])
""")


@pytest.mark.slow
def test_kill_9_during_a_chunk_split_leaves_every_run_once(tmp_path):
    root = tmp_path / "clean"
    texts = _store_with_whole_partitions(root)
    done = subprocess.run(
        [sys.executable, "-c", SPLITTER, str(root / "runs" / "fertui.json"), "0"],
        capture_output=True,
        text=True,
        check=True,
    )
    steps = int(done.stdout)
    assert {n: lines for n, lines in _copies(root).items()} == {n: [t] for n, t in texts.items()}
    assert 8 <= steps < 40
    for kill_at in range(1, steps + 1):  # a kill before each rename and removal the split makes
        root = tmp_path / f"killed-{kill_at}"
        _store_with_whole_partitions(root)
        proc = subprocess.run(
            [sys.executable, "-c", SPLITTER, str(root / "runs" / "fertui.json"), str(kill_at)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == -9, proc.stderr
        copies = _copies(root)
        assert set(copies) == set(texts)  # no gap: a run is in the old file, its chunk, or both
        assert all(set(lines) == {texts[n]} for n, lines in copies.items())  # copies, all the same
        s = Store(root / "runs" / "fertui.json")
        assert [r["id"] for r in s.runs()] == [f"{n:05d}" for n in range(1, WHOLE_RUNS + 1)]
        assert _copies(root) == {n: [t] for n, t in texts.items()}, kill_at  # the next command finished it
        assert all("+" in name for name in s.parts.names()) and len(s.parts.names()) == 4
        assert [p.name for p in (root / "runs" / "store").glob("*.bak") if "+" not in p.name] == []
        assert loads((root / "runs" / "fertui.json").read_text())["meta"][LAYOUT_DOC] == {"layout": 3}
        os.sync()


def test_a_chunk_written_from_plain_documents_is_sorted_with_fresh_rows(tmp_path):
    s = Store(tmp_path / "runs" / "fertui.json")
    docs = {str(n): {"id": f"{n:05d}", "status": "done", "sweep": "S", "config": {"x": n}} for n in (7, 3, 5)}
    s.parts.write("sweep-S+0", docs)  # as a restore may write one
    assert list(s.parts.raw_rows("sweep-S+0")) == ["3", "5", "7"]
    row = s.parts.sweep_rows("sweep-S+0")["5"]
    assert {k: v for k, v in row.items() if not k.startswith("config_")} == {
        "id": "00005",
        "status": "done",
        "sweep": "S",
    }
    assert row["config_seed"] is None and len(row["config_digest"]) == 16  # what the views need of the config
