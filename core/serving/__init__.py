"""Serving a class on one server: the training service every visitor's run goes through, sharing
the workers a slice at a time and training identical runs once (service), the worker processes
and their fork server's preload (workers, preload), the line beyond the host's bound
(admission), the host's settings and bounds (hosting). Imports core.base, core.contract,
core.engine."""
