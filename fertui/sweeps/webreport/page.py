"""The report document: head with inline CSS and a few lines of JS, a contents list, one
section per sweep, the efficiency table. Nothing in it points outside the file."""

from __future__ import annotations

import time
from html import escape
from pathlib import Path

from fertui.atomicio import atomic_write_text
from fertui.errors import UserError
from fertui.store import Store
from fertui.sweeps.export import titled  # the same "RAF-DB NAME" titles as the PNG exports
from fertui.sweeps.results import require_runs
from fertui.sweeps.spec import require_spec
from fertui.sweeps.webreport.board_section import sweep_section
from fertui.sweeps.webreport.efficiency import efficiency_section
from fertui.sweeps.webreport.run_details import runs_section
from fertui.workspace import Workspace

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; }
thead th, tbody th { background: #f3f3f3; text-align: left; }
td.cell { cursor: pointer; }
td.cell:hover, td.cell:focus { outline: 2px solid #4a7bd0; }
.best { background: #d7f5d7; }
.nan { background: #f9d0d0; color: #900; }
.failed { background: #fbe7c6; }
table.efficiency td:nth-child(2) { text-align: left; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; } img.plot { max-width: 34em; border: 1px solid #ddd; }
figcaption { font-size: 12px; color: #555; }
details.run { border: 1px solid #ddd; margin: .2em 0; padding: .2em .6em; }
details.run[open] { background: #fafafa; } details.run.picked { border-color: #4a7bd0; }
summary { cursor: pointer; font-family: ui-monospace, monospace; }
pre { background: #f6f6f6; padding: .5em; overflow-x: auto; }
.legend span { padding: 0 .4em; margin-right: .5em; }
"""

# Clicking (or Enter on) a board cell opens the details of that cell's runs.
SCRIPT = """
function showRuns(cell) {
  document.querySelectorAll('details.run.picked').forEach(d => d.classList.remove('picked'));
  const found = cell.dataset.runs.split(' ').map(id => document.getElementById('run-' + id)).filter(Boolean);
  found.forEach(d => { d.open = true; d.classList.add('picked'); });
  // The summary line, not the middle of the opened block, which is mostly the run's settings.
  if (found.length) found[0].querySelector('summary').scrollIntoView({block: 'start'});
}
document.addEventListener('click', e => { const c = e.target.closest('td[data-runs]'); if (c) showRuns(c); });
document.addEventListener('keydown', e => {
  if (e.key === 'Enter' && e.target.matches('td[data-runs]')) showRuns(e.target);
});
"""


def build_report(ws: Workspace, sweeps: list[str], include_env: bool = False) -> str:
    """The whole HTML document for SWEEPS (every sweep of the workspace when empty)."""
    from fertui import __version__

    names = sweeps or [doc["name"] for doc in Store(ws.store_path).sweeps()]
    if not names:
        raise UserError("no sweeps in this workspace yet; queue one with `fertui add CONFIG`")
    specs = [require_spec(ws, name) for name in names]  # every name checked before any work
    sections, contents = [], []
    for spec in specs:
        observations = require_runs(ws, spec)
        title = titled(ws, spec.dataset, spec.name)
        contents.append(f'<li><a href="#sweep-{escape(spec.name)}">{escape(title)}</a></li>')
        sections.append(sweep_section(ws, spec, observations, title, runs_section(observations, include_env)))
    efficiency = efficiency_section(Store(ws.store_path).benchmarks())
    if efficiency:
        contents.append('<li><a href="#efficiency">Efficiency</a></li>')
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    title = "fertui report: " + ", ".join(s.name for s in specs)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1><p>made by fertui {escape(__version__)} on {stamp}; "
        "opens offline, with no server.</p>"
        '<p class="legend"><span class="best">★ best cell</span><span class="nan">NaN loss</span>'
        '<span class="failed">failed / OOM</span></p>'
        f"<ul>{''.join(contents)}</ul>{''.join(sections)}{efficiency}"
        f"<script>{SCRIPT}</script></body></html>\n"
    )


def write_report(ws: Workspace, sweeps: list[str], out: Path, include_env: bool = False) -> Path:
    """Build the report, then write it in one atomic step (group-readable under the umask)."""
    text = build_report(ws, sweeps, include_env)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, text)
    return out
