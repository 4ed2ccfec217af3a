"""Compare: the runs table, curves and gradient flow side by side, one-knob comparisons, manage,
export and import. Imports ui.common, ui.labs (the live run) and core."""
