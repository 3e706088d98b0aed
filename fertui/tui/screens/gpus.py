"""Screen 8, GPUs: each GPU with the run holding it; CPU and memory on a machine without GPUs."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.widgets import Static

from fertui.presentation import fmt_num, middle_cut
from fertui.tui.screens.base import ConsoleScreen
from fertui.tui.widgets.keyed_table import KeyedTable

PROBE_EVERY_S = 2.0
GPU_COLUMNS = (
    ("gpu", "gpu"),
    ("name", "name"),
    ("util", "util %"),
    ("mem", "memory MB"),
    ("temp", "°C"),
    ("power", "W"),
    ("runs", "runs"),
)
HOST_COLUMNS = (
    ("run", "run"),
    ("name", "name"),
    ("slot", "slot"),
    ("cpu", "cpu %"),
    ("rss", "RSS MB"),
    ("procs", "procs"),
)


class GpusScreen(ConsoleScreen):
    MODE = "gpus"
    TITLE = "GPUs"
    BINDINGS = []

    def __init__(self):
        super().__init__()
        self._host = None

    def compose_body(self) -> ComposeResult:
        yield Static("probing…", id="gpus-head", classes="status-line")
        yield KeyedTable(id="gpus-table")

    def on_mount(self) -> None:
        self.set_interval(PROBE_EVERY_S, self._probe_if_shown)

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self._probe()

    def _probe_if_shown(self) -> None:
        if self.app.screen is self:
            self._probe()

    @work(thread=True, exclusive=True, exit_on_error=False, group="gpus")
    def _probe(self) -> None:
        from fertui.scheduler.daemon import daemon_status
        from fertui.scheduler.gpu_claims import claim_holders, claim_key
        from fertui.tui.system import HostProbe, claimed_by, probe_gpus, run_of_pid

        running = [r for r in self.app.runs.values() if r.get("status") == "running"]
        gpus = probe_gpus()
        if gpus is not None:
            claims = claim_holders()
            ours = {(daemon_status(self.app.ws) or {}).get("pid")} | {r.get("pid") for r in running}
            rows = []
            for g in gpus:
                owners = [run_of_pid(p.pid, running) for p in g.processes]  # a run may have several
                holders = {run["id"]: run for run in owners if run}
                others = owners.count(None)
                who = ", ".join(f"{rid} {middle_cut(r.get('name') or '', 20)}" for rid, r in holders.items())
                if others > 0:
                    who += f"{' + ' if who else ''}{others} other process{'es' if others > 1 else ''}"
                claimant = claims.get(claim_key(g.uuid, g.index))
                if claimant is not None and claimant not in ours and not holders:
                    who += f"{' · ' if who else ''}{claimed_by(claimant)}"  # why our queue skips it
                rows.append(
                    (
                        str(g.index),
                        (
                            str(g.index),
                            g.name,
                            fmt_num(g.utilization),
                            f"{g.used_mb}/{g.total_mb}",
                            fmt_num(g.temp_c),
                            fmt_num(round(g.power_w)) if g.power_w is not None else "",
                            who,
                        ),
                    )
                )
            self.app.call_from_thread(self._show, GPU_COLUMNS, rows, f"{len(gpus)} GPU(s) via NVML")
            return
        if self._host is None:
            self._host = HostProbe()
        machine = self._host.machine()
        rows = []
        for run in sorted(running, key=lambda r: r["id"]):
            usage = self._host.run_usage(run) or {}
            rows.append(
                (
                    run["id"],
                    (
                        run["id"],
                        middle_cut(run.get("name") or "", 28),
                        str(run.get("slot") or ""),
                        fmt_num(round(usage["cpu_percent"])) if usage else "gone?",
                        fmt_num(round(usage.get("rss_mb", 0))) if usage else "",
                        str(usage.get("procs", "")),
                    ),
                )
            )
        head = (
            f"no GPU (NVML found none) · CPU {machine['cpu_percent']:.0f}% of {machine['cpus']} cores · "
            f"memory {machine['mem_used_mb'] / 1024:.1f}/{machine['mem_total_mb'] / 1024:.1f} GB · "
            f"{len(running)} running"
        )
        self.app.call_from_thread(self._show, HOST_COLUMNS, rows, head)

    def _show(self, columns, rows, head: str) -> None:
        self.query_one(KeyedTable).set_rows(columns, rows)
        self.query_one("#gpus-head", Static).update(head)
