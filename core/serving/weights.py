"""A model's weights between a training worker and a page: the worker sends them as plain arrays
(`cpu_weights`), and the page keeps them in its own copy of the model, built only when a view
needs it (`PageModel`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def cpu_weights(model: Any) -> dict:
    """A model's weights as numpy copies: what crosses to the page. Not tensors: torch pickles a
    tensor sent between processes by moving its storage, the live parameter's here, into shared
    memory handed over through a socket, which broke training runs under load (a reset socket,
    a NaN). Plain arrays travel by value."""
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def load_weights(model: Any, weights: dict) -> None:
    """Put weights that came from a worker into the page's copy of the model."""
    import torch

    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})


class PageModel:
    """A page's copy of a model that trains in a worker (History.lazy_model): it keeps the latest
    weights received and builds the module, and loads them into it, only when a view asks
    (History.net()). The pages of a class receive one training and draw the figures one of them
    built (ui/common/plot.shared): most never need a model of their own (building one was about a
    sixth of the Python time of a class's run areas, py-spy). Used by one page's script at a time."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build, self._model, self._weights = build, None, None
        self.builds = 0  # modules built: at most one

    def receive(self, weights: dict) -> None:
        """Weights from the worker, newer than any before (loaded when the model is next asked for)."""
        self._weights = weights

    def __call__(self) -> Any:
        if self._model is None:
            self._model, self.builds = self._build(), self.builds + 1
        if self._weights is not None:
            load_weights(self._model, self._weights)
            self._weights = None
        return self._model
