"""The run store: every run epoch by epoch in SQLite (store), one visitor's view of it (owners),
filing a training run into either (recorder), CSV/JSON/TensorBoard export (export), one-knob
comparisons and sweeps (compare), and the gallery of example runs (gallery). Imports core.base,
core.contract, core.engine."""
