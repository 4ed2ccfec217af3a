"""Serving a class on one server: training in worker processes (workers), at most K at once with
a line (admission), the host's settings and bounds (hosting). Imports core.base, core.contract,
core.engine."""
