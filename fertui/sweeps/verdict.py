"""The comparison's answer as lines a researcher can paste: the difference, its interval, the
seed noise and whether the difference stands out of it."""

from __future__ import annotations

from fertui.config import compact
from fertui.sweeps.compare import Comparison, PairStat

MINUS = "\u2212"


def across_noun(cmp: Comparison, n: int) -> str:
    if cmp.across == "optim.lr":
        return f"{n} LR" + ("s" if n != 1 else "")
    return f"{n} value{'s' if n != 1 else ''} of {cmp.across}"


def unit(metric: str) -> str:
    return " points" if "acc" in metric else ""


def seeds_text(pair: PairStat) -> str:
    low, high = pair.seeds
    count = str(low) if low == high else f"{low}\u2013{high}"
    return f"{count} seed" + ("s" if high != 1 else "")


def setting(cmp: Comparison, value) -> str:
    """A model name as it is; a number with its key (``depth 4``), so ``4 − 2`` reads right."""
    return compact(value) if isinstance(value, str) else f"{cmp.by.split('.')[-1]} {compact(value)}"


def verdict(cmp: Comparison, pair: PairStat, command: str = "") -> str:
    """One line: ``B − A = +0.62 points (95 % CI +0.21…+1.03) over 5 LRs × 3 seeds; …``."""
    head = f"{setting(cmp, pair.b)} {MINUS} {setting(cmp, pair.a)}"
    if pair.mean_diff is None or pair.interval is None:
        return f"{head}: no {cmp.across} value where both finished"
    where = f"over {across_noun(cmp, pair.n)} \u00d7 {seeds_text(pair)}"
    iv = pair.interval
    if iv.low is None:
        return f"{head} = {pair.mean_diff:+.2f}{unit(cmp.metric)} {where}: too few paired values for an interval"
    text = (f"{head} = {pair.mean_diff:+.2f}{unit(cmp.metric)} "
            f"({iv.level * 100:.0f} % CI {iv.low:+.2f}\u2026{iv.high:+.2f}) {where}")
    if cmp.noise.sd is None:
        enqueue = f" ({command} --enqueue)" if command else " (--enqueue)"
        return (f"{text}; seed noise unknown (one seed per cell): replicate the deciding cells, "
                f"the best {cmp.across} of each{enqueue}")
    text += f"; seed noise sd {cmp.noise.sd:.2f}"
    if iv.excludes_zero:
        return f"{text}: beyond noise"
    if pair.seeds_needed is None:
        from fertui.sweeps.noise import MAX_SEEDS, seeds_can_resolve

        if not seeds_can_resolve(pair.mean_diff, pair.lr_sd or 0.0, pair.n):
            return (f"{text}: within noise \u2014 more seeds alone would not resolve it: the difference itself "
                    f"varies across {cmp.across} values (sd {pair.lr_sd:.2f}); more {cmp.across} values would")
        return (f"{text}: within seed noise \u2014 a difference this small would need more than {MAX_SEEDS} "
                f"seeds per cell over {across_noun(cmp, pair.n)}; more {cmp.across} values shrink that")
    more = max(1, pair.seeds_needed - pair.seeds[1])
    return (f"{text}: within seed noise \u2014 about {more} more seed{'s' if more != 1 else ''} per cell "
            "would resolve a difference of this size")


def method_line(cmp: Comparison, pair: PairStat) -> str:
    """How the figures were computed, and the sign test kept beside them."""
    iv = pair.interval
    parts = []
    if iv is not None and iv.low is not None:
        parts.append(f"interval: paired t over the {across_noun(cmp, pair.n)} ({iv.df} df, scipy.stats.t), "
                     "covering LR-to-LR and seed-to-seed variation")
    if cmp.noise.sd is not None:
        parts.append(f"seed noise: pooled within-cell sd over {cmp.noise.cells} cell(s), {cmp.noise.df} df")
        if pair.diff_noise is not None and pair.diff_noise.sd is not None:
            parts.append(f"same seeds on both sides: seed-paired differences vary by sd {pair.diff_noise.sd:.2f} "
                         f"({pair.diff_noise.df} df)")
        if pair.seeds_needed is not None:
            parts.append(f"power: {pair.seeds_needed} seeds per cell for 80 % power at this difference")
    parts.append(f"sign test: wins {pair.b_wins}-{pair.a_wins} (ties {pair.ties}), p = {pair.p_value:.4g}")
    return "  " + "; ".join(parts)
