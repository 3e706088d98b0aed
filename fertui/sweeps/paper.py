"""The paper's table (``fertui export SWEEP --paper``): one row per setting at its best LR, with
the efficiency figures of the same model from the benchmark rows and the published results on
the same data set; the best of each column in bold. Markdown and LaTeX (booktabs).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fertui.config import compact
from fertui.errors import UserError
from fertui.metrics import Direction, best_of
from fertui.provenance.record import fingerprint
from fertui.records import EventKind, event_kind
from fertui.store import Store
from fertui.sweeps.board import axis_values
from fertui.sweeps.cells import pick_best, sweep_cells
from fertui.sweeps.per_class import best_epoch_classes
from fertui.sweeps.references import display_name, references_for
from fertui.sweeps.render import mixed_code_states
from fertui.sweeps.results import lookup, require_runs
from fertui.sweeps.spec import require_spec
from fertui.sweeps.units import cells_fraction_warning
from fertui.workspace import Workspace

MD_DAGGER, TEX_DAGGER = "†", r"$^\dagger$"  # a value whose runs ran different code, and its note
PAPER_BATCH = 256  # the notes' efficiency table is at batch 256
# (column, header, direction): the direction picks the bold cell
MAX, MIN = Direction.MAXIMIZE, Direction.MINIMIZE
COLUMNS = (
    ("acc", "Acc. (%)", MAX),
    ("mean_class", "Mean-class (%)", MAX),
    ("params_m", "Params (M)", MIN),
    ("gmacs", "GMACs", MIN),
    ("img_per_s", "Train img/s", MAX),
    ("memory_mb", "Train memory (MB)", MIN),
)


@dataclass
class PaperRow:
    method: str
    values: dict[str, float | None] = field(default_factory=dict)
    acc_std: float | None = None
    seeds: int = 0
    where: str = ""  # the best cell's other values (e.g. lr=3.2e-6)
    bench: str = ""  # which benchmark row gave the efficiency figures
    source: str = ""  # references: where the number comes from
    cite_key: str = ""  # references: BibTeX key for \cite{}
    # Ours: how many code states its runs ran when more than one (render.mixed_code_states), else 0;
    # the accuracy then carries a dagger and a note under the table, as the board marks the cell.
    code_states: int = 0
    diff_runs: tuple[str, ...] = ()  # two of its runs of different code, for `fertui diff`
    cell: str = ""  # ours: the whole cell (depth=2 lr=1e-5), which the note names: a method may read "2"


@dataclass
class PaperTable:
    title: str
    key: str
    ours: list[PaperRow]
    references: list[PaperRow]
    reference_scope: str = ""  # e.g. "overall accuracy (%) on RAF-DB basic, 12,271 train / 3,068 test"
    # Fractions beside percent references (units.cells_fraction_warning): written under the table,
    # so the warning travels with the file a co-author opens.
    warnings: list[str] = field(default_factory=list)

    def bold(self) -> dict[str, float]:
        """The best value of each column over every row that has one."""
        out = {}
        for name, _, direction in COLUMNS:
            seen = [r.values[name] for r in self.ours + self.references if r.values.get(name) is not None]
            best = best_of(seen, direction)
            if best is not None:
                out[name] = best
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
        if event_kind(e) is EventKind.START:
            value = e.get("params_m")
            return float(value) if isinstance(value, (int, float)) else None
    return None


def bench_row(rows: list[dict], model: str, params_m: float | None = None) -> dict | None:
    """The model's training benchmark at batch 256, else at its largest measured batch; newest
    first, and one measured on a quiet machine before one marked ``loaded``. With PARAMS_M, only rows of a model with that many parameters (the same config: a
    bench of the registry's default depth says nothing about a depth-2 run)."""
    mine = [
        r
        for r in rows
        if r.get("model") == model
        and r.get("mode") == "train"
        and not r.get("oom")
        and (params_m is None or abs(float(r.get("params_m", -1)) - params_m) <= PARAMS_TOLERANCE_M)
    ]
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
    direction = spec.metric_direction(None)[1]
    groups = sweep_cells(observations, [key], direction)
    by_value: dict[Any, list] = {}
    for stats in groups.values():
        by_value.setdefault(stats.params.get(key), []).append(stats)
    runs = {o.run_id: o.run for o in observations}
    benches = Store(ws.store_path).benchmarks()
    ours = []
    for value in axis_values(spec, key, list(by_value)):
        best = pick_best(direction, by_value[value])
        if best.mean is None:
            continue
        model = lookup(runs[best.run_ids[0]], "model.name")
        row = PaperRow(
            method=method_name(key, value, model),
            acc_std=best.std,
            seeds=best.n,
            where=" ".join(f"{k.split('.')[-1]}={compact(v)}" for k, v in best.params.items() if k != key),
            code_states=mixed_code_states(best),
            cell=" ".join(f"{k.split('.')[-1]}={compact(v)}" for k, v in best.params.items()),
        )
        if row.code_states:
            row.diff_runs = _diff_runs([runs[rid] for rid in best.run_ids])
        row.values["acc"] = best.mean
        done = [rid for rid in best.run_ids if runs[rid]["status"] == "done"]
        classes = [c for c in (best_epoch_classes(ws.run_dir(rid), rid) for rid in done) if c is not None]
        row.values["mean_class"] = statistics.fmean(c.mean_class for c in classes) if classes else None
        own_params = run_params_m(ws, best.run_ids[0])
        bench = bench_row(benches, str(model), own_params) if model else None
        for name in ("params_m", "gmacs", "img_per_s", "memory_mb"):
            row.values[name] = bench.get(name) if bench else None
        if bench:
            row.bench = f"{bench['model']} batch {bench['batch_size']} on {bench.get('device', '?')}"
        else:
            _counted_cost(row, runs[best.run_ids[0]], model, own_params)
        ours.append(row)
    refs = references_for(ws, spec.dataset, spec.objective)
    references = [
        PaperRow(
            method=r.method,
            values={"acc": r.value, "params_m": r.params_m, "gmacs": r.gmacs},
            source=r.citation,
            cite_key=r.key,
        )
        for r in (refs.rows if refs else [])
    ]
    title = f"{display_name(ws, spec.dataset)} {spec.name}" if spec.dataset else spec.name
    scope = ", ".join(p for p in (refs.metric_text, f"on {refs.split}" if refs.split else "") if p) if refs else ""
    # Every run to re-read (its reingest command fixes the sweep), as the board's warning names them.
    warning = cells_fraction_warning(spec.objective, groups.values(), refs)
    return PaperTable(
        title=title,
        key=key,
        ours=ours,
        references=references,
        reference_scope=scope,
        warnings=[warning] if warning else [],
    )


def _diff_runs(cell_runs: list[dict]) -> tuple[str, ...]:
    """The first two of CELL_RUNS that ran different code; () when the code differs only between
    attempts of one seed, whose losing attempt is not among a cell's runs."""
    first: dict[str, str] = {}
    for run in cell_runs:
        first.setdefault(fingerprint(run), run["id"])
    return tuple(rid for state, rid in first.items() if state)[:2]


def method_name(key: str, value: Any, model: Any) -> str:
    """``clsfer_ir50`` by model.name; ``clsfer_ir50 depth 8`` by another key, so no row reads ``8``."""
    if key == "model.name" or model is None:
        return compact(value)
    return f"{compact(model)} {key.split('.')[-1]} {compact(value)}"


def _counted_cost(row: PaperRow, run: dict, model: Any, own_params: float | None) -> None:
    """Params and GMACs of the run's own model config, counted like `fertui models`, when no
    benchmark row matches it (throughput and memory stay empty: only a benchmark measures them)."""
    from fertui.sweeps.model_cost import model_cost

    section = (run.get("config") or {}).get("model") or ({"name": model} if model else None)
    cost = model_cost(section) if section else None
    if cost is None and own_params is None:
        return
    row.values["params_m"] = own_params if own_params is not None else cost.params_m
    row.values["gmacs"] = cost.gmacs if cost is not None else None
    row.bench = (
        f"{model}: no benchmark row of this config; params from the "
        f"{'run' if own_params is not None else 'model config'}, "
        + (f"GMACs counted at {cost.input_size} px" if cost is not None else "GMACs unknown")
    )


def _cells(
    table: PaperTable, row: PaperRow, bold: Callable[[str], str], pm: str, missing: str, dagger: str
) -> list[str]:
    best = table.bold()
    out = []
    for name, _, _ in COLUMNS:
        value = row.values.get(name)
        if value is None:
            out.append(missing)
            continue
        text = (
            f"{value:.2f}"
            if name in ("acc", "mean_class", "gmacs")
            else (f"{value:.1f}" if name == "img_per_s" else f"{value:.3f}" if name == "params_m" else f"{value:.0f}")
        )
        if name == "acc" and row.acc_std is not None:
            text += f"{pm}{row.acc_std:.2f}"
        text = bold(text) if value == best.get(name) else text
        out.append(text + dagger if name == "acc" and row.code_states else text)
    return out


def _code_notes(table: PaperTable, code: Callable[[str], str], text: Callable[[str], str]) -> list[str]:
    """One line per row of ours whose runs ran different code, for under the table (after its
    dagger): how many code states, and the command that shows how they differ."""
    lines = []
    for r in table.ours:
        if not r.code_states:
            continue
        command = f"fertui diff {' '.join(r.diff_runs)}" if len(r.diff_runs) == 2 else "fertui diff RUN RUN"
        lines.append(
            text(f"{r.cell}: its runs came from {r.code_states} different code states, not seeds of one setting; ")
            + code(command)
            + text(" shows how the code differs.")
        )
    return lines


def _notes(table: PaperTable) -> list[str]:
    seeds = sorted({r.seeds for r in table.ours})
    notes = [
        f"Ours: accuracy mean ± std over {'/'.join(map(str, seeds))} seed(s) at each setting's best LR; "
        "mean-class accuracy at the same runs' best-accuracy epoch (their confusion matrices)."
    ]
    benches = sorted({r.bench for r in table.ours if r.bench})
    if benches:
        notes.append("Efficiency from `fertui bench` training rows: " + "; ".join(benches) + ".")
    if table.references:
        cited = [f"{r.method}: {r.source}" for r in table.references if r.source]
        notes.append(
            f"References: {table.reference_scope or 'published test accuracy'}, as each paper reports "
            "it (configs/references.toml); params and GMACs only where the paper publishes them"
            + (" (" + "; ".join(cited) + ")" if cited else "")
            + "."
        )
    return notes


def paper_markdown(table: PaperTable) -> str:
    from fertui.sweeps.render import md_table

    header = ["Method", *[h for _, h, _ in COLUMNS], "at"]
    rows = [[r.method, *_cells(table, r, lambda t: f"**{t}**", " ± ", "—", MD_DAGGER), r.where] for r in table.ours]
    rows += [
        [r.method, *_cells(table, r, lambda t: f"**{t}**", " ± ", "—", MD_DAGGER), r.source or "published"]
        for r in table.references
    ]
    daggers = [f"{MD_DAGGER} {line}" for line in _code_notes(table, lambda c: f"`{c}`", str)]
    warnings = [f"**{w[:1].upper()}{w[1:]}**" for w in table.warnings]  # "**Warning: …**", above the notes
    notes = "\n".join([*daggers, *([""] if daggers else []), *warnings, *([""] if warnings else []), *_notes(table)])
    return f"# {table.title}: the paper's table\n\n{md_table(header, rows)}\n\n{notes}\n"


def _tex(text: str) -> str:
    for char, escaped in (("\\", r"\textbackslash{}"), ("_", r"\_"), ("%", r"\%"), ("&", r"\&"), ("#", r"\#")):
        text = text.replace(char, escaped)
    return text


def paper_latex(table: PaperTable) -> str:
    """A booktabs tabular: ours above the mid rule, published results below."""
    header = " & ".join(["Method", *[_tex(h) for _, h, _ in COLUMNS]]) + r" \\"
    lines = [
        r"% requires \usepackage{booktabs}",
        *[f"% {w}" for w in table.warnings],  # a comment: the warning travels, the table prints unchanged
        r"\begin{tabular}{l" + "r" * len(COLUMNS) + "}",
        r"\toprule",
        header,
        r"\midrule",
    ]
    for r in table.ours:
        cells = _cells(table, r, lambda t: rf"\textbf{{{t}}}", r" $\pm$ ", "--", TEX_DAGGER)
        lines.append(" & ".join([_tex(r.method), *cells]) + r" \\")
    if table.references:
        lines.append(r"\midrule")
        for r in table.references:
            name = _tex(r.method) + (rf"~\cite{{{r.cite_key}}}" if r.cite_key else "")
            cells = _cells(table, r, lambda t: rf"\textbf{{{t}}}", r" $\pm$ ", "--", TEX_DAGGER)
            lines.append(" & ".join([name, *cells]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    notes = _code_notes(table, lambda c: rf"\texttt{{{_tex(c)}}}", _tex)
    if notes:  # under the tabular, inside the table float that inputs this file
        lines += [r"\par\smallskip", *[rf"{{\footnotesize {TEX_DAGGER}~{line}\par}}" for line in notes]]
    return "\n".join(lines) + "\n"
