"""What the training workers' fork server imports once (core/serving/workers.py): torch and the
trainer, so every worker forked from it shares those pages instead of importing its own copy.
Frozen out of the garbage collector's reach, so collections in the workers do not touch (and
copy) the shared objects."""

import gc

import torch  # noqa: F401

import core.engine.training  # noqa: F401
import core.serving.workers  # noqa: F401

gc.collect()
gc.freeze()
