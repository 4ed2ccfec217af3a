"""Plain-word findings from a History: vanishing/exploding gradients, where overfitting began."""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.base.i18n import _
from core.engine.training import History

# Thresholds of the gradient verdict; the sentences below quote them, so they change together.
VANISHING = 1e-3  # first/last below this: the first layer hardly learns
WEAK = 0.1  # below this: it learns, but slower
EVEN = 10.0  # first/last from WEAK to EVEN: within a factor of 10 either way
EXPLODING_RMS = 10.0  # any layer's per-weight gradient above this: blowing up, whatever the ratio


@dataclass(frozen=True)
class GradientFinding:
    """The gradient flow at one epoch in words.

    ratio:   first layer / last layer, per weight (RMS) when the run has it, else the norms
    measure: "grad_rms" or "grad_norm", the one the ratio uses
    verdict: "vanishing", "weak", "healthy", "growing" (stronger toward the input) or
             "exploding" (the run diverged, or a layer's gradient is above EXPLODING_RMS)
    """

    ratio: float
    verdict: str
    sentence: str
    measure: str = "grad_rms"
    largest: float = 0.0  # the largest layer's value of `measure` at that epoch


def power_of_ten(x: float) -> str:
    """x rounded to the nearest power of ten, written as 1e-6 (or 1 / 10 near one)."""
    if x <= 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    k = round(math.log10(x))
    return {0: "1", 1: "10", -1: "0.1"}.get(k, f"1e{k}")


def gradient_finding(history: History, epoch_index: int = -1) -> GradientFinding | None:
    """Compare the first layer's gradient with the last layer's at one epoch, per weight (the
    per-weight RMS, fair between layers of different sizes), and check the absolute size and
    the run's status: a diverged run or a huge gradient is never called healthy."""
    if not history.epochs or len(history.layers) < 2:
        return None
    record = history.epochs[epoch_index]
    measure = "grad_rms" if set(history.layers) <= set(record.get("grad_rms") or {}) else "grad_norm"
    values = record[measure]
    first, last = values[history.layers[0]], values[history.layers[-1]]
    largest = max(values.values())
    ratio = first / last if last else (math.inf if first > 0 else 0.0)
    epoch = record.get("epoch", len(history.epochs))
    per = _("per weight") if measure == "grad_rms" else _("in norm")
    about = power_of_ten(ratio)

    def finding(verdict: str, sentence: str) -> GradientFinding:
        return GradientFinding(ratio, verdict, sentence, measure, largest)

    if history.status == "diverged" and epoch_index in (-1, len(history.epochs) - 1):
        text = _(
            "Diverged: the loss became infinite or NaN after epoch {epoch}, when the largest layer "
            "gradient was {largest:.2g} {per}. The gradients blew up: try a learning rate 10x "
            "smaller, batch norm or a smaller init."
        )
        return finding("exploding", text.format(epoch=epoch, largest=largest, per=per))
    if not math.isfinite(largest) or largest > EXPLODING_RMS:
        text = _(
            "Exploding gradients: a layer's gradient is {largest:.2g} {per}, above {limit:g}; steps "
            "this large throw the weights about. Try a smaller learning rate, a smaller init or batch norm."
        )
        return finding("exploding", text.format(largest=largest, per=per, limit=EXPLODING_RMS))
    if last == 0:
        verdict = "vanishing" if first == 0 else "growing"
        return finding(verdict, _("The last layer received no gradient at all."))
    if ratio < VANISHING:
        text = _(
            "Vanishing gradients: the first layer gets about {about} of the last layer's gradient "
            "{per} (below 1e-3), so the early layers barely learn. Try ReLU with He init, fewer "
            "layers, batch norm or residual connections."
        )
        return finding("vanishing", text.format(about=about, per=per))
    if ratio < WEAK:
        text = _(
            "Weakening gradients: the first layer gets about {about} of the last layer's gradient "
            "{per} (between 1e-3 and 0.1). Early layers learn slower than late ones."
        )
        return finding("weak", text.format(about=about, per=per))
    if ratio <= EVEN:
        text = _(
            "Even gradient flow: the first layer gets {ratio:.2g}x the last layer's gradient {per}, "
            "within a factor of 10 either way, so every layer learns at a similar pace."
        )
        return finding("healthy", text.format(ratio=ratio, per=per))
    text = _(
        "Growing toward the input: the first layer gets about {about} times the last layer's "
        "gradient {per} (more than 10x). Watch for exploding gradients: a smaller learning rate "
        "or batch norm evens them out."
    )
    return finding("growing", text.format(about=about, per=per))


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
        text = _(
            "Overfitting: validation loss was lowest at epoch {best} ({low:.3f}) and has risen to "
            "{now:.3f} since, while training loss kept falling ({tr_then:.3f} -> {tr_now:.3f}). The "
            "net is memorising the training points. Stop at that epoch, add dropout or weight "
            "decay, or use more data."
        ).format(best=best, low=val[i], now=val[-1], tr_then=tr[i], tr_now=tr[-1])
    else:
        text = _("Validation loss is lowest at epoch {best} ({low:.3f}); no clear overfitting yet.")
        text = text.format(best=best, low=val[i])
    return OverfitFinding(best, val[i], over, text)
