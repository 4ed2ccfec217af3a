"""LABS: what the one training loop needs to know about each lab (name -> config, data, model).

The loop in core/engine/training.py is the same for every lab; a lab contributes its config class,
how to load its data, how to build its model from the data's shape, and the reasons a config
cannot train. The CLI's `--model` choices and the run store's `lab` column are these names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

from core.base.i18n import _
from core.contract.config import CNNConfig, MLPConfig
from core.contract.datasets import make_split


@dataclass(frozen=True)
class Lab:
    """One lab: its public name, config class, page, data loader, model builder and checks."""

    name: str
    config: type
    page: str  # the page file, e.g. pages/3_MLP_Lab.py (its URL slug is the name after the number)
    data: Callable[..., Any]  # data(cfg, **options) -> a split with x_train, y_train, x_val, y_val, n_classes
    build: Callable[[Any, Any], nn.Module]  # build(cfg, split) -> model (logits out)
    problems: Callable[[Any, tuple[int, ...] | None], list[str]]  # (cfg, input shape) -> reasons

    @property
    def slug(self) -> str:
        """The page's URL path, e.g. MLP_Lab."""
        return self.page.rsplit("/", 1)[-1].removesuffix(".py").split("_", 1)[1]


def _mlp_problems(cfg: MLPConfig, shape: tuple[int, ...] | None = None) -> list[str]:
    out = []
    n_train = cfg.n_samples - max(1, round(cfg.n_samples * cfg.val_fraction))
    if cfg.batch_norm and cfg.batch_size < 2:
        out.append(_("Batch norm needs at least 2 points per batch: raise the batch size."))
    if n_train < 2:
        out.append(_("Fewer than 2 training points: add points or lower the validation fraction."))
    return out


def _mlp_data(cfg: MLPConfig, **_: Any):
    return make_split(cfg.dataset, cfg.n_samples, cfg.noise, cfg.val_fraction, cfg.seed)


def _mlp_build(cfg: MLPConfig, split: Any) -> nn.Module:
    from core.engine.models import build_mlp

    return build_mlp(cfg, split.x_train.shape[1], split.n_classes)


def _cnn_problems(cfg: CNNConfig, shape: tuple[int, ...] | None = None) -> list[str]:
    from core.engine.cnn import architecture
    from core.engine.image_data import IMAGE_DATASETS

    shape = shape or IMAGE_DATASETS[cfg.dataset].shape
    return architecture(cfg, tuple(shape), 10).problems


def _cnn_data(cfg: CNNConfig, **options: Any):
    from core.engine.image_data import load_images

    return load_images(cfg.dataset, cfg.n_train, cfg.val_fraction, cfg.seed, **options)


def _cnn_build(cfg: CNNConfig, split: Any) -> nn.Module:
    from core.engine.cnn import build_cnn

    return build_cnn(cfg, tuple(split.x_train.shape[1:]), split.n_classes)


LABS: dict[str, Lab] = {
    "mlp": Lab("mlp", MLPConfig, "pages/3_MLP_Lab.py", _mlp_data, _mlp_build, _mlp_problems),
    "cnn": Lab("cnn", CNNConfig, "pages/7_CNN_Lab.py", _cnn_data, _cnn_build, _cnn_problems),
}


def lab_of(cfg: Any) -> Lab:
    """The lab a config belongs to."""
    for lab in LABS.values():
        if isinstance(cfg, lab.config):
            return lab
    raise TypeError(f"no lab for {type(cfg).__name__}")
