"""torch.fx tracing that is safe in a server: one process, every visitor's page a thread of it."""

from __future__ import annotations

import threading
from typing import Any

from torch import fx, nn


class OwnThreadTracer(fx.Tracer):
    """fx's tracer, tracing only its own thread's calls.

    While it traces, fx replaces nn.Module.__call__ and __getattr__ for the whole process. A
    server runs every visitor's page in a thread of one process, so another visitor's model
    running meanwhile (a decision plane, a second trace's shape pass) went through this tracer
    and failed ("module is not installed as a submodule": 30 visitors opening Tensors & graphs
    together hit it, bench/page_views.py). Here calls from other threads run as if nothing were
    traced; and one trace runs at a time, since each restores the originals when it ends."""

    _one_at_a_time = threading.Lock()

    def trace(self, root: Any, concrete_args: dict[str, Any] | None = None) -> fx.Graph:
        with self._one_at_a_time:
            self._owner = threading.get_ident()
            return super().trace(root, concrete_args)

    def _other_thread(self) -> bool:
        return threading.get_ident() != getattr(self, "_owner", None)

    def call_module(self, m: nn.Module, forward: Any, args: tuple, kwargs: dict) -> Any:
        return (
            forward(*args, **kwargs)
            if self._other_thread()
            else super().call_module(m, forward, args, kwargs)
        )

    def getattr(self, attr: str, attr_val: Any, parameter_proxy_cache: dict) -> Any:
        return attr_val if self._other_thread() else super().getattr(attr, attr_val, parameter_proxy_cache)
