"""Plain-word findings from a History: vanishing/exploding gradients, where overfitting began."""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.training import History


@dataclass(frozen=True)
class GradientFinding:
    """first/last gradient ratio at one epoch, its verdict and a sentence for the learner."""

    ratio: float
    verdict: str  # "vanishing", "weak", "healthy", "exploding"
    sentence: str


def power_of_ten(x: float) -> str:
    """x rounded to the nearest power of ten, written as 1e-6 (or 1 / 10 near one)."""
    if x <= 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    k = round(math.log10(x))
    return {0: "1", 1: "10", -1: "0.1"}.get(k, f"1e{k}")


def gradient_finding(history: History, epoch_index: int = -1) -> GradientFinding | None:
    """Compare the first hidden layer's gradient norm with the last layer's at one epoch."""
    if not history.epochs or len(history.layers) < 2:
        return None
    norms = history.epochs[epoch_index]["grad_norm"]
    first, last = norms[history.layers[0]], norms[history.layers[-1]]
    if last == 0:
        return GradientFinding(
            math.inf, "exploding" if first > 0 else "vanishing", "The last layer received no gradient at all."
        )
    ratio = first / last
    about = power_of_ten(ratio)
    if ratio < 1e-3:
        return GradientFinding(
            ratio,
            "vanishing",
            (
                f"Vanishing gradients: the first layer gets about {about} of the last layer's "
                "gradient, so the early layers barely learn. Try ReLU with He init, fewer layers, "
                "batch norm or residual connections."
            ),
        )
    if ratio < 0.1:
        return GradientFinding(
            ratio,
            "weak",
            (
                f"Weakening gradients: the first layer gets about {about} of the last layer's "
                "gradient. Early layers learn slower than late ones."
            ),
        )
    if ratio <= 100:
        return GradientFinding(
            ratio,
            "healthy",
            (
                f"Healthy gradient flow: the first layer gets {ratio:.2g}x the last layer's "
                "gradient, the same order of magnitude, so every layer learns."
            ),
        )
    return GradientFinding(
        ratio,
        "exploding",
        (
            f"Exploding gradients: the first layer gets about {about} times the last layer's "
            "gradient. Try a smaller learning rate, a smaller init or batch norm."
        ),
    )


@dataclass(frozen=True)
class OverfitFinding:
    """Where validation loss bottomed out and whether it has clearly turned up since."""

    best_epoch: int
    best_val_loss: float
    overfitting: bool
    sentence: str


def overfit_finding(
    history: History, rise: float = 0.1, min_after: int | None = None
) -> OverfitFinding | None:
    """The epoch of lowest validation loss; overfitting when, since then, validation loss has
    risen by more than `rise` (relative) over at least `min_after` epochs (default: 3, or a
    tenth of the run if longer) while training loss fell."""
    if not history.epochs:
        return None
    val, tr = history.series("val_loss"), history.series("train_loss")
    i = min(range(len(val)), key=val.__getitem__)
    best = history.epochs[i]["epoch"]
    after = len(val) - 1 - i
    if min_after is None:
        min_after = max(3, len(val) // 10)
    over = after >= min_after and val[-1] > val[i] * (1 + rise) and tr[-1] < tr[i]
    if over:
        text = (
            f"Overfitting: validation loss was lowest at epoch {best} ({val[i]:.3f}) and has "
            f"risen to {val[-1]:.3f} since, while training loss kept falling "
            f"({tr[i]:.3f} -> {tr[-1]:.3f}). The net is memorising the training points. "
            "Stop at that epoch, add dropout or weight decay, or use more data."
        )
    else:
        text = f"Validation loss is lowest at epoch {best} ({val[i]:.3f}); no clear overfitting yet."
    return OverfitFinding(best, val[i], over, text)
