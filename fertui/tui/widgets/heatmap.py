"""Leaderboard cells as a heatmap in the 16 ANSI colours: worse red, middling yellow, better
green; the best cell bold with a star; NaN cells magenta."""

from __future__ import annotations

from rich.text import Text

# Worst to best: backgrounds every 16-colour terminal has, with black text for contrast.
HEAT = ("on red", "on yellow", "on green", "on bright_green")


def heat_style(value: float | None, lo: float, hi: float, maximize: bool) -> str:
    if value is None:
        return ""
    if hi <= lo:
        return f"black {HEAT[-1]}"
    share = (value - lo) / (hi - lo)
    if not maximize:
        share = 1 - share
    return f"black {HEAT[min(len(HEAT) - 1, int(share * len(HEAT)))]}"


def heat_cell(
    text: str, value: float | None, lo: float, hi: float, maximize: bool, best: bool, marks: list[str]
) -> Text:
    if value is None:
        bad = any(m.split()[-1] in ("NaN", "failed", "OOM", "lost") for m in marks)
        return Text(text, style="bold magenta" if bad else "dim")
    style = heat_style(value, lo, hi, maximize)
    return Text(f"{text} *" if best else text, style=f"bold {style}" if best else style)
