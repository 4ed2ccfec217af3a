"""What the training workers' fork server imports once (core/serving/workers.py): torch, the
trainer, and torch's compiler stack (torch._dynamo: sympy, triton...), which the first optimiser
step of a process would import otherwise (891 modules). Every worker forked from the fork server
shares those pages instead of importing its own copy. Imports only: no torch op runs here, so no
thread pool exists to be forked. Frozen out of the garbage collector's reach, so collections in
the workers do not touch (and copy) the shared objects."""

import gc

import torch
import torch._dynamo  # noqa: F401

import core.engine.training  # noqa: F401
import core.serving.workers  # noqa: F401

gc.collect()
gc.freeze()
del torch
