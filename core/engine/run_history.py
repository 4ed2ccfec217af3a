"""History: a training run as plain data, what train() returns and every view draws (config, layers,
status, one record per finished epoch), and its JSON shape, shared by the CLI, the store and export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from torch import nn


@dataclass
class History:
    """A run as plain data: config, layer names, status and one record per finished epoch.

    config:  the lab config's public fields only (the share link, the CLI flags).
    derived: what the trainer worked out from them (`init_used`; `grad_every` when gradient
             norms were measured on every n-th step only: epochs of more than 31 steps), kept
             beside the config, never mixed into it.
    status:  "running", "finished", "stopped" (by the user) or "diverged" (non-finite loss).
    `model` is the trained module, kept in memory for the page; it is never serialised. A page
    that receives a run trained elsewhere makes its copy only when a view asks for it: `net()`.
    """

    config: dict[str, Any]
    layers: list[str]
    lab: str = "mlp"
    status: str = "running"
    message: str = ""
    seconds: float = 0.0
    epochs: list[dict[str, Any]] = field(default_factory=list)
    derived: dict[str, Any] = field(default_factory=dict)
    model: nn.Module | None = field(default=None, repr=False, compare=False)
    run_id: int | None = None  # the run's id in the store, when it is being kept
    # The server's training this run was received from (core/serving/service.py): every page that
    # received one ended training draws the same figures, built once (ui/common/plot.shared).
    source: tuple | None = field(default=None, repr=False, compare=False)
    # While it trains: the epoch whose weights the page's model holds (the worker sends them with
    # the epochs a live redraw asked for); a live redraw draws the run up to that epoch.
    weights_epoch: int | None = field(default=None, repr=False, compare=False)
    # On a page: its copy of the model, made on demand with the latest weights it received
    # (core/serving/weights.PageModel); read through net().
    lazy_model: Callable[[], nn.Module] | None = field(default=None, repr=False, compare=False)

    def net(self) -> nn.Module | None:
        """The model at the run's latest weights: `model`, or the page's copy (`lazy_model`), built
        and loaded when first asked for."""
        return self.lazy_model() if self.lazy_model is not None else self.model

    def series(self, key: str) -> list[float]:
        """One scalar per epoch, e.g. series("val_loss")."""
        return [r[key] for r in self.epochs]

    def per_layer(self, key: str = "grad_norm") -> dict[str, list[float]]:
        """Layer name -> one value per epoch of a per-layer record (grad_norm or grad_rms),
        input side first."""
        return {name: [r[key][name] for r in self.epochs] for name in self.layers}

    def grad_norm(self) -> dict[str, list[float]]:
        """Layer name -> the epoch's mean L2 (Frobenius) norm of the weight gradient."""
        return self.per_layer("grad_norm")

    def grad_rms(self) -> dict[str, list[float]]:
        """Layer name -> the same per weight: norm / sqrt(number of weights), the size-free view."""
        return self.per_layer("grad_rms")

    def to_dict(self, detail: bool = True) -> dict[str, Any]:
        """The JSON contract shared by the CLI, the store and export.

        `epochs` holds the scalar metrics per epoch; with detail, also activation stats and
        histograms (`act`, `hist`) per epoch. `grad_norm` and `grad_rms`: layer -> per epoch.
        """
        skip = {"grad_norm", "grad_rms"} | (set() if detail else {"act", "hist"})
        return {
            "lab": self.lab,
            "config": self.config,
            "derived": self.derived,
            "status": self.status,
            "message": self.message,
            "seconds": round(self.seconds, 4),
            "layers": self.layers,
            "epochs": [{k: v for k, v in r.items() if k not in skip} for r in self.epochs],
            "grad_norm": self.grad_norm(),
            "grad_rms": self.grad_rms(),
        }
