"""How every figure fertui writes looks and is saved: sized for a two-column paper, in PNG and
(on request) PDF and SVG.

Sizes are print sizes: one column is 3.5 in wide and two columns 7.16 in (IEEE/CVF templates),
so a figure placed at its natural width shows its text at the sizes set here: 8 pt ticks,
labels and legends, 9 pt titles. PNGs are written at 300 dpi. Colour maps are perceptually
uniform (viridis family) and every map has a colour bar. An LR axis is logarithmic with a tick
per decade and each tried value marked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from fertui.atomicio import atomic_file
from fertui.errors import UserError

FORMATS = ("png", "pdf", "svg")
ONE_COLUMN_IN = 3.5
TWO_COLUMNS_IN = 7.16
PNG_DPI = 300
SEQUENTIAL_CMAP = "viridis"  # low → high, readable in grey and by colour-blind readers
DIVERGING_CMAP = "RdBu_r"  # signed differences around 0
ATTENTION_CMAP = "inferno"  # attention weights over a face: bright = attended

PAPER_RC = {
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "figure.titlesize": 9,
    "lines.linewidth": 1.2,
    "lines.markersize": 4,
    "axes.linewidth": 0.6,
    "grid.linewidth": 0.4,
    "pdf.fonttype": 42,  # TrueType in PDFs, so journals' checkers accept the fonts
    "svg.fonttype": "none",  # text stays text in SVG
}


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    """ "png,pdf" (or a list) as a tuple of formats; a UserError naming the bad one."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    formats = tuple(dict.fromkeys(p.strip().lower().lstrip(".") for p in parts if p.strip()))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise UserError(f"--format: expected one or more of {', '.join(FORMATS)} (comma-separated), got {text!r}")
    return formats


def pyplot():
    """matplotlib.pyplot on the Agg backend (files only: no display on a server)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@contextlib.contextmanager
def paper_style() -> Iterator[None]:
    """Paper font sizes for the figures made inside the block."""
    plt = pyplot()
    with plt.rc_context(PAPER_RC):
        yield


def new_figure(columns: int = 1, height_in: float | None = None, **subplots):
    """(figure, axes) one or two paper columns wide; call inside ``paper_style()``."""
    width = ONE_COLUMN_IN if columns == 1 else TWO_COLUMNS_IN
    height = height_in if height_in is not None else width * (0.72 if columns == 1 else 0.42)
    return pyplot().subplots(figsize=(width, height), **subplots)


def save_figure(fig, path: Path, formats: Iterable[str] = ("png",)) -> list[Path]:
    """Write FIG as PATH with each format's suffix (atomic, umask-following), then free it."""
    written = []
    for fmt in formats:
        target = path.with_suffix(f".{fmt}")
        with atomic_file(target, "wb") as fh:
            fig.savefig(fh, format=fmt, dpi=PNG_DPI, bbox_inches="tight", pad_inches=0.02)
        written.append(target)
    pyplot().close(fig)
    return written


def log_lr_axis(ax, values: Sequence[float], axis: str = "x") -> None:
    """A log axis with a labelled tick per decade and a minor tick at each tried value."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, LogFormatterSciNotation, LogLocator, NullFormatter

    target = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    target.set_major_locator(LogLocator(base=10, numticks=12))
    target.set_major_formatter(LogFormatterSciNotation(base=10))
    tried = sorted({float(v) for v in values if v and v > 0})
    target.set_minor_locator(FixedLocator(tried))
    target.set_minor_formatter(NullFormatter())
    low, high = min(tried), max(tried)
    if high / low < 10:  # within one decade there is no decade tick: label the tried values instead
        target.set_major_locator(FixedLocator(tried))
        target.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0e}".replace("e-0", "e-")))
    margin = (high / low) ** 0.06 if high > low else 2.0
    (ax.set_xlim if axis == "x" else ax.set_ylim)(low / margin, high * margin)


def wants_log_axis(key: str, values: Sequence) -> bool:
    """Positive numbers that are a learning rate (searched in multiples, read in decades) or that
    span a factor of 10 or more: a log axis reads them better."""
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(numbers) != len(values) or not numbers or min(numbers) <= 0:
        return False
    is_lr = key.rsplit(".", 1)[-1].lower() in ("lr", "learning_rate")
    return is_lr or max(numbers) / min(numbers) >= 10


def styled(make):
    """Decorate a function that builds a figure so it is built in the paper style."""
    import functools

    @functools.wraps(make)
    def wrapper(*args, **kwargs):
        with paper_style():
            return make(*args, **kwargs)

    return wrapper
