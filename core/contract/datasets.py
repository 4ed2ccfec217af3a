"""DATASETS: seeded 2-D generators (name -> points and labels) and the train/validation split.

Every generator is pure: the same (n, noise, seed) gives the same points, on any machine.
Points lie roughly in [-1, 1]^2 before noise, so one learning rate suits them all; `noise`
is the standard deviation of Gaussian noise added to each coordinate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from core.base.i18n import N_

Array = np.ndarray


def _circle(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Class 0 inside radius 0.5, class 1 on a ring from 0.7 to 1.0."""
    y = rng.integers(0, 2, n)
    r = np.where(y == 0, rng.uniform(0, 0.5, n), rng.uniform(0.7, 1.0, n))
    t = rng.uniform(0, 2 * np.pi, n)
    return np.stack([r * np.cos(t), r * np.sin(t)], 1), y


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Label = sign(x) xor sign(y): no straight line separates it."""
    x = rng.uniform(-1, 1, (n, 2))
    x += np.sign(x) * 0.05  # a small margin around the axes
    return x, ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(np.int64)


def _gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Two Gaussian blobs: the linearly separable warm-up."""
    y = rng.integers(0, 2, n)
    centres = np.array([[-0.5, -0.5], [0.5, 0.5]])
    return centres[y] + rng.normal(0, 0.25, (n, 2)), y


def _spiral_k(k: int) -> Callable[[int, float, np.random.Generator], tuple[Array, Array]]:
    def gen(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
        """k interleaved spiral arms, one class per arm."""
        y = rng.integers(0, k, n)
        r = rng.uniform(0.05, 1.0, n)
        t = 1.75 * 2 * np.pi * r + 2 * np.pi * y / k  # 1.75 turns per arm
        return np.stack([r * np.sin(t), r * np.cos(t)], 1), y

    return gen


def _moons(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Two interleaving half circles, scaled into [-1, 1]."""
    y = rng.integers(0, 2, n)
    t = rng.uniform(0, np.pi, n)
    x = np.where(
        y[:, None] == 0, np.stack([np.cos(t), np.sin(t)], 1), np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)
    )
    return (x - [0.5, 0.25]) / 1.5, y


def _blobs(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Four Gaussian blobs on a square, four classes."""
    y = rng.integers(0, 4, n)
    centres = np.array([[-0.5, -0.5], [0.5, -0.5], [-0.5, 0.5], [0.5, 0.5]])
    return centres[y] + rng.normal(0, 0.2, (n, 2)), y


@dataclass(frozen=True)
class DataSet:
    """A registered 2-D problem: its generator, class count and one line for the page."""

    name: str
    make: Callable[[int, float, np.random.Generator], tuple[Array, Array]]
    n_classes: int
    blurb: str


DATASETS: dict[str, DataSet] = {
    d.name: d
    for d in [
        DataSet("spiral", _spiral_k(2), 2, N_("two interleaved spirals: needs depth")),
        DataSet("circle", _circle, 2, N_("a disc inside a ring: needs one bend")),
        DataSet("xor", _xor, 2, N_("four quadrants: the problem a perceptron cannot solve")),
        DataSet("gauss", _gauss, 2, N_("two blobs: a straight line is enough")),
        DataSet("moons", _moons, 2, N_("two interleaving half moons")),
        DataSet("spiral3", _spiral_k(3), 3, N_("three spiral arms, three classes (softmax)")),
        DataSet("blobs", _blobs, 4, N_("four blobs, four classes (softmax)")),
    ]
}


@dataclass(frozen=True)
class Split:
    """Train and validation tensors (float32 points (N, 2), int64 labels (N,)), read-only."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    n_classes: int


def make_points(name: str, n: int, noise: float, seed: int) -> tuple[Array, Array]:
    """The points and labels of a registered data set, noise included."""
    rng = np.random.default_rng(seed)
    x, y = DATASETS[name].make(n, noise, rng)
    x = x + rng.normal(0, noise, x.shape)
    return x.astype(np.float32), y.astype(np.int64)


def make_split(name: str, n: int, noise: float, val_fraction: float, seed: int) -> Split:
    """Generate a data set and split it at random into train and validation (seeded)."""
    x, y = make_points(name, n, noise, seed)
    order = np.random.default_rng(seed + 1).permutation(n)
    n_val = min(n - 1, max(1, round(n * val_fraction)))  # at least one point on each side
    val, train = order[:n_val], order[n_val:]
    return Split(
        torch.from_numpy(x[train]),
        torch.from_numpy(y[train]),
        torch.from_numpy(x[val]),
        torch.from_numpy(y[val]),
        DATASETS[name].n_classes,
    )
