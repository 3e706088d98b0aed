"""The paper's table (``fertui export SWEEP --paper``): one row per setting at its best LR, with
the efficiency figures of the same model from the benchmark rows and the published results on
the same data set; the best of each column in bold. Markdown and LaTeX (booktabs).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any, Callable

from fertui.config import compact
from fertui.errors import UserError
from fertui.store import Store
from fertui.sweeps.board import axis_values, group_cells, pick_best
from fertui.sweeps.per_class import best_epoch_classes
from fertui.sweeps.references import display_name, references_for
from fertui.sweeps.results import lookup, require_runs
from fertui.sweeps.spec import require_spec
from fertui.workspace import Workspace

PAPER_BATCH = 256  # the notes' efficiency table is at batch 256
# (column, header, better): "max" or "min" picks the bold cell
COLUMNS = (("acc", "Acc. (%)", "max"), ("mean_class", "Mean-class (%)", "max"), ("params_m", "Params (M)", "min"),
           ("gmacs", "GMACs", "min"), ("img_per_s", "Train img/s", "max"), ("memory_mb", "Train memory (MB)", "min"))


@dataclass
class PaperRow:
    method: str
    values: dict[str, float | None] = field(default_factory=dict)
    acc_std: float | None = None
    seeds: int = 0
    where: str = ""    # the best cell's other values (e.g. lr=3.2e-6)
    bench: str = ""    # which benchmark row gave the efficiency figures
    source: str = ""   # references: where the number comes from


@dataclass
class PaperTable:
    title: str
    key: str
    ours: list[PaperRow]
    references: list[PaperRow]

    def bold(self) -> dict[str, float]:
        """The best value of each column over every row that has one."""
        out = {}
        for name, _, better in COLUMNS:
            seen = [r.values[name] for r in self.ours + self.references if r.values.get(name) is not None]
            if seen:
                out[name] = (max if better == "max" else min)(seen)
        return out


def paper_key(spec) -> str:
    axes = [a.key for a in spec.axes]
    if "model.name" in axes:
        return "model.name"
    scientific = [k for k in axes if spec.role(k) == "scientific"]
    return scientific[0] if scientific else next((k for k in axes if k != "optim.lr"), axes[0])


PARAMS_TOLERANCE_M = 0.0005  # the trainer reports params_m to 4 decimals


def run_params_m(ws: Workspace, run_id: str) -> float | None:
    """The parameter count (M) the built-in trainer reported in the run's start event."""
    from fertui.events import read_run_events

    for e in read_run_events(ws.run_dir(run_id)):
        if e.get("type") == "start":
            value = e.get("params_m")
            return float(value) if isinstance(value, (int, float)) else None
    return None


def bench_row(rows: list[dict], model: str, params_m: float | None = None) -> dict | None:
    """The model's training benchmark at batch 256, else at its largest measured batch; newest
    first, and one measured on a quiet machine before one marked ``loaded``. With PARAMS_M, only rows of a model with that many parameters (the same config: a
    bench of the registry's default depth says nothing about a depth-2 run)."""
    mine = [r for r in rows if r.get("model") == model and r.get("mode") == "train" and not r.get("oom")
            and (params_m is None or abs(float(r.get("params_m", -1)) - params_m) <= PARAMS_TOLERANCE_M)]
    if not mine:
        return None
    quiet = [r for r in mine if not r.get("loaded")]  # a row timed on a busy machine only when nothing else
    mine = quiet or mine
    at_paper = [r for r in mine if r.get("batch_size") == PAPER_BATCH]
    pool = at_paper or [r for r in mine if r.get("batch_size") == max(x.get("batch_size", 0) for x in mine)]
    return max(pool, key=lambda r: r.get("time", 0))


def paper_table(ws: Workspace, sweep: str, key: str | None = None) -> PaperTable:
    spec = require_spec(ws, sweep)
    key = key or paper_key(spec)
    if spec.axis(key) is None and key != "model.name":
        raise UserError(f"sweep '{sweep}' has no axis {key}; pick --by from {', '.join(a.key for a in spec.axes)}")
    observations = require_runs(ws, spec)
    groups = group_cells(spec, observations, [key])
    by_value: dict[Any, list] = {}
    for stats in groups.values():
        by_value.setdefault(stats.params.get(key), []).append(stats)
    runs = {o.run_id: o.run for o in observations}
    benches = Store(ws.store_path).benchmarks()
    ours = []
    for value in axis_values(spec, key, list(by_value)):
        best = pick_best(spec.maximize, by_value[value])
        if best.mean is None:
            continue
        row = PaperRow(method=compact(value), acc_std=best.std, seeds=best.n,
                       where=" ".join(f"{k.split('.')[-1]}={compact(v)}" for k, v in best.params.items() if k != key))
        row.values["acc"] = best.mean
        done = [rid for rid in best.run_ids if runs[rid]["status"] == "done"]
        classes = [c for c in (best_epoch_classes(ws.run_dir(rid), rid) for rid in done) if c is not None]
        row.values["mean_class"] = statistics.fmean(c.mean_class for c in classes) if classes else None
        model = lookup(runs[best.run_ids[0]], "model.name")
        own_params = run_params_m(ws, best.run_ids[0])
        bench = bench_row(benches, str(model), own_params) if model else None
        for name in ("params_m", "gmacs", "img_per_s", "memory_mb"):
            row.values[name] = bench.get(name) if bench else None
        if bench:
            row.bench = f"{bench['model']} batch {bench['batch_size']} on {bench.get('device', '?')}"
        elif own_params is not None:
            row.values["params_m"] = own_params  # counted by the trainer; no benchmark of this config
            row.bench = f"{model}: no benchmark row with {own_params:g} M params (params from the run)"
        ours.append(row)
    refs = references_for(ws, spec.dataset, spec.objective)
    references = [PaperRow(method=r.method, values={"acc": r.value}, source=r.note)
                  for r in (refs.rows if refs else [])]
    title = f"{display_name(ws, spec.dataset)} {spec.name}" if spec.dataset else spec.name
    return PaperTable(title=title, key=key, ours=ours, references=references)


def _cells(table: PaperTable, row: PaperRow, bold: Callable[[str], str], pm: str, missing: str) -> list[str]:
    best = table.bold()
    out = []
    for name, _, _ in COLUMNS:
        value = row.values.get(name)
        if value is None:
            out.append(missing)
            continue
        text = f"{value:.2f}" if name in ("acc", "mean_class", "gmacs") else (
            f"{value:.1f}" if name == "img_per_s" else f"{value:.3f}" if name == "params_m" else f"{value:.0f}")
        if name == "acc" and row.acc_std is not None:
            text += f"{pm}{row.acc_std:.2f}"
        out.append(bold(text) if value == best.get(name) else text)
    return out


def _notes(table: PaperTable) -> list[str]:
    seeds = sorted({r.seeds for r in table.ours})
    notes = [f"Ours: accuracy mean ± std over {'/'.join(map(str, seeds))} seed(s) at each setting's best LR; "
             "mean-class accuracy at the same runs' best-accuracy epoch (their confusion matrices)."]
    benches = sorted({r.bench for r in table.ours if r.bench})
    if benches:
        notes.append("Efficiency from `fertui bench` training rows: " + "; ".join(benches) + ".")
    if table.references:
        cited = [f"{r.method}: {r.source}" for r in table.references if r.source]
        notes.append("References: published test accuracy from configs/references.toml"
                     + (" (" + "; ".join(cited) + ")" if cited else "") + ".")
    return notes


def paper_markdown(table: PaperTable) -> str:
    from fertui.sweeps.render import md_table

    header = ["Method", *[h for _, h, _ in COLUMNS], "at"]
    rows = [[r.method, *_cells(table, r, lambda t: f"**{t}**", " ± ", "—"), r.where] for r in table.ours]
    rows += [[r.method, *_cells(table, r, lambda t: f"**{t}**", " ± ", "—"), r.source or "published"]
             for r in table.references]
    return f"# {table.title}: the paper's table\n\n{md_table(header, rows)}\n\n" + "\n".join(_notes(table)) + "\n"


def _tex(text: str) -> str:
    for char, escaped in (("\\", r"\textbackslash{}"), ("_", r"\_"), ("%", r"\%"), ("&", r"\&"), ("#", r"\#")):
        text = text.replace(char, escaped)
    return text


def paper_latex(table: PaperTable) -> str:
    """A booktabs tabular: ours above the mid rule, published results below."""
    header = " & ".join(["Method", *[_tex(h) for _, h, _ in COLUMNS]]) + r" \\"
    lines = [r"% requires \usepackage{booktabs}", r"\begin{tabular}{l" + "r" * len(COLUMNS) + "}", r"\toprule",
             header, r"\midrule"]
    for r in table.ours:
        lines.append(" & ".join([_tex(r.method), *_cells(table, r, lambda t: rf"\textbf{{{t}}}", r" $\pm$ ", "--")]) + r" \\")
    if table.references:
        lines.append(r"\midrule")
        for r in table.references:
            lines.append(" & ".join([_tex(r.method), *_cells(table, r, lambda t: rf"\textbf{{{t}}}", r" $\pm$ ", "--")])
                         + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"
