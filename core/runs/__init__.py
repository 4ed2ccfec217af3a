"""The run store: every run epoch by epoch in SQLite (store), one visitor's view of it (owners),
filing a training run into either (recorder), CSV/JSON/TensorBoard export (export), one-knob
comparisons and sweeps (compare), the gallery of example runs (gallery), and the class board: runs
visitors published under a nickname, for everyone to see (board). Imports core.base,
core.contract, core.engine."""
