"""Ready-made experiments: a name, the lesson it shows, and the config fields it sets.

Each preset is a set of config overrides, so it is also a share link and a CLI line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.base.i18n import N_
from core.contract.config import MLPConfig, to_params


@dataclass(frozen=True)
class Preset:
    """A named experiment on one lab: what to look at, and the fields that differ from defaults."""

    title: str
    lesson: str
    lab: str
    fields: dict[str, Any]

    def params(self) -> dict[str, str]:
        """The whole config as URL parameters."""
        return to_params(MLPConfig(**self.fields))


PRESETS: dict[str, Preset] = {
    "vanishing": Preset(
        N_("Vanishing gradients"),
        N_(
            "Ten sigmoid layers: the first layer's gradient is a millionth of the last one's or less, "
            "and the net barely learns."
        ),
        "mlp",
        {"depth": 10, "activation": "sigmoid"},
    ),
    "healthy": Preset(
        N_("Healthy gradient flow"),
        N_(
            "The same ten layers with ReLU and He init: the first layer's gradient per weight stays "
            "within a factor of 10 of the last one's, and the net learns the spiral where the "
            "sigmoid net stays at chance."
        ),
        "mlp",
        {"depth": 10, "activation": "relu"},
    ),
    "overfitting": Preset(
        N_("Overfitting"),
        N_(
            "100 noisy points, a wide net, 300 epochs: training loss keeps falling while validation "
            "loss turns up."
        ),
        "mlp",
        {"dataset": "circle", "n_samples": 100, "noise": 0.4, "depth": 3, "width": 256, "epochs": 300},
    ),
    "dropout": Preset(
        N_("Dropout against overfitting"),
        N_(
            "The same overfitting setup with dropout 0.5: the gap between training and validation "
            "loss narrows."
        ),
        "mlp",
        {
            "dataset": "circle",
            "n_samples": 100,
            "noise": 0.4,
            "depth": 3,
            "width": 256,
            "epochs": 300,
            "dropout": 0.5,
        },
    ),
    "xor": Preset(
        N_("XOR needs a hidden layer"),
        N_("One hidden layer of 4 units bends the boundary that no single line can draw."),
        "mlp",
        {"dataset": "xor", "depth": 1, "width": 4, "activation": "tanh", "epochs": 100},
    ),
    "diverging": Preset(
        N_("A learning rate too high"),
        N_(
            "SGD at learning rate 1 with momentum 0.99: the loss explodes within a few epochs; the lab "
            "keeps what was done and says what to try."
        ),
        "mlp",
        {"optimizer": "sgd", "lr": 1.0, "momentum": 0.99, "depth": 6, "width": 64},
    ),
}
