"""The class board's runs grouped by the knob that differs between them: which knobs differ, the
entries per value of one (numbers in order of size), and each value's medians (the board's chart
and table, ui/compare/board_charts.py and board_views.py)."""

from __future__ import annotations

import statistics
from typing import Any

from core.contract.config import DERIVED
from core.runs.board import Entry

# The knobs a board is usually grouped by, first; any other config field that differs follows.
KNOBS = ("activation", "depth", "init", "dropout", "width", "optimizer", "lr", "batch_norm", "residual")


def knobs(entries: list[Entry]) -> list[str]:
    """The config fields whose values differ between the entries, the usual knobs first."""
    keys = [k for k in dict.fromkeys(k for e in entries for k in e.config) if k not in DERIVED]
    differ = [k for k in keys if len({repr(e.config.get(k)) for e in entries}) > 1]
    return sorted(differ, key=lambda k: (KNOBS.index(k) if k in KNOBS else len(KNOBS), k))


def _order(value: Any) -> tuple:
    return (
        (0, float(value), "")
        if isinstance(value, int | float) and not isinstance(value, bool)
        else (1, 0.0, str(value))
    )


def groups(entries: list[Entry], knob: str) -> dict[str, list[Entry]]:
    """Entries by their value of `knob` (as text), the values in order (numbers by size)."""
    values = sorted({repr(e.config.get(knob)): e.config.get(knob) for e in entries}.values(), key=_order)
    return {str(v): [e for e in entries if e.config.get(knob) == v] for v in values}


def summary(entries: list[Entry], knob: str) -> list[dict]:
    """Per value of `knob`: how many runs, the median gradient ratio and the median gap."""
    out = []
    for value, members in groups(entries, knob).items():
        ratios = [e.ratio for e in members if e.ratio is not None]
        gaps = [e.gap for e in members if e.gap is not None]
        out.append(
            {
                "value": value,
                "n": len(members),
                "median_ratio": statistics.median(ratios) if ratios else None,
                "median_gap": statistics.median(gaps) if gaps else None,
                "vanishing": sum(e.verdict == "vanishing" for e in members),
            }
        )
    return out
