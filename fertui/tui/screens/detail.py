"""Screen 2, Run: live loss, accuracy and LR curves (marked runs overlaid), config, stdout."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import ContentSwitcher, RichLog, Static

from fertui.metrics import DEFAULT_OBJECTIVE
from fertui.presentation import objective_name, present
from fertui.tui.screens.base import ConsoleScreen
from fertui.tui.widgets.metric_chart import Curve, MetricChart

REPLOT_HZ = 4


class DetailScreen(ConsoleScreen):
    MODE = "detail"
    TITLE = "Run"
    BINDINGS = [
        Binding("o", "toggle_config", "Config/charts"),
        Binding("x", "toggle_axis", "Step/epoch"),
        Binding("l", "toggle_log", "Log loss"),
        Binding("u", "unmark_all", "Unmark all"),
        Binding("c", "toggle_answers", "Classes/attention"),
    ]

    def __init__(self):
        super().__init__()
        self.by_epoch = False
        self._shown_log: tuple | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="detail-head", classes="status-line")
        with ContentSwitcher(initial="charts", id="detail-switch"):
            with Grid(id="charts"):
                yield MetricChart("train/loss", id="chart-loss")
                yield MetricChart(DEFAULT_OBJECTIVE, id="chart-acc")
                yield MetricChart("train/lr", id="chart-lr")
                yield RichLog(id="stdout", max_lines=200, wrap=True, markup=False)
            with VerticalScroll(id="config"):
                yield Static(id="config-text", markup=False)
            with VerticalScroll(id="answers"):
                yield Static(id="answers-text", markup=False)

    def on_mount(self) -> None:
        self.set_interval(1 / REPLOT_HZ, self.replot)

    def shown_runs(self) -> list[str]:
        """The opened run first, then the marked ones (their curves are overlaid)."""
        ids = [self.app.detail_run] if self.app.detail_run else []
        return ids + sorted(r for r in self.app.marked if r not in ids)

    def on_screen_resume(self) -> None:
        self.app.watcher.want(self.shown_runs())
        self.app.watcher.show_log(self.app.detail_run)
        self._shown_log = None
        super().on_screen_resume()
        self.replot()

    def on_screen_suspend(self) -> None:
        self.app.watcher.want(())
        self.app.watcher.show_log(None)

    def refresh_state(self) -> None:
        run = self.app.runs.get(self.app.detail_run or "")
        head = self.query_one("#detail-head", Static)
        if run is None:
            head.update("No run open: pick one on screen 1 and press enter (space marks runs to overlay).")
            return
        line = present(run)
        parts = [
            f"{line.id} {line.name}",
            line.status,
            f"best {line.best}" if line.best else "",
            line.progress,
            f"loss {line.loss}" if line.loss else "",
            line.duration,
        ]
        if len(self.shown_runs()) > 1:
            parts.append(f"overlay {', '.join(self.shown_runs())}")
        head.update(" · ".join(p for p in parts if p.strip()))
        self._show_config(run)

    def _show_config(self, run: dict) -> None:
        import tomli_w

        text = tomli_w.dumps(run.get("config") or {}) if run.get("config") else "(no config)"
        if run.get("command") and run.get("kind") == "command":
            text = "command: " + " ".join(run["command"]) + "\n\n" + text
        if run.get("error"):
            text += "\n# error\n" + str(run["error"])
        remarks = [f"tags: {' '.join(run['tags'])}"] if run.get("tags") else []
        remarks += [f"note: {n.get('text', '')}" for n in run.get("notes") or []]
        if remarks:  # fertui tag / fertui note: what the researcher said about this run
            text = "\n".join(remarks) + "\n\n" + text
        self.query_one("#config-text", Static).update(text)

    def replot(self) -> None:
        if self.app.screen is not self:
            return
        ids = self.shown_runs()
        series = [(rid, self.app.series.get(rid)) for rid in ids]
        key = (tuple((rid, s.version if s else -1) for rid, s in series), self.by_epoch)
        for chart in self.query(MetricChart):
            curves = [self._curve(rid, s, chart.metric) for rid, s in series if s is not None]
            chart.show(curves, key, "epoch" if self.by_epoch else "step")
        self._show_log()

    def _curve(self, run_id: str, series, metric: str) -> Curve:
        xs, ys = series.curve(metric)
        if metric == DEFAULT_OBJECTIVE and not xs:  # a job whose objective is another val metric
            name = objective_name(self.app.runs.get(run_id, {}))
            xs, ys = series.curve(name)
        if metric.startswith("train/") and not xs:  # printed by code of its own: "loss: 0.4", "lr=1e-3"
            xs, ys = series.curve(metric.removeprefix("train/"))
        if metric == "train/loss" and not xs:
            name = next((m for m in series.metrics if "loss" in m.lower() and not m.startswith("val")), None)
            xs, ys = series.curve(name) if name else (xs, ys)
        nan_steps = list(series.nan_steps)
        spe = series.start.get("steps_per_epoch")
        if self.by_epoch and spe:
            xs = [x / spe for x in xs]
            nan_steps = [x / spe for x in nan_steps]
        return Curve(run_id, xs, ys, nan_steps)

    def _show_log(self) -> None:
        run_id = self.app.detail_run
        lines = self.app.log_lines.get(run_id or "", [])
        key = (run_id, len(lines), lines[-1] if lines else None)
        if key == self._shown_log:
            return
        self._shown_log = key
        log = self.query_one("#stdout", RichLog)
        log.clear()
        log.write("\n".join(lines) if lines else "(stdout.log is empty)")

    # ---- keys ---------------------------------------------------------------------------------
    def action_toggle_config(self) -> None:
        switch = self.query_one(ContentSwitcher)
        switch.current = "config" if switch.current == "charts" else "charts"

    def action_toggle_answers(self) -> None:
        """Per-class results and attention maps of the opened run (read when shown, not polled)."""
        switch = self.query_one(ContentSwitcher)
        if switch.current == "answers":
            switch.current = "charts"
            return
        from fertui.tui.widgets.answers import answers_text

        run_id = self.app.detail_run
        text = answers_text(self.app.ws.run_dir(run_id)) if run_id else "No run open."
        self.query_one("#answers-text", Static).update(text)
        switch.current = "answers"

    def action_toggle_axis(self) -> None:
        self.by_epoch = not self.by_epoch
        self.replot()

    def action_toggle_log(self) -> None:
        chart = self.query_one("#chart-loss", MetricChart)
        chart.log_y = not chart.log_y
        self.replot()

    def action_unmark_all(self) -> None:
        self.app.marked.clear()
        self.app.watcher.want(self.shown_runs())
        self.refresh_state()
        self.replot()
