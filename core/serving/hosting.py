"""What the host sets for a server that a whole class shares: environment variables, read once.

LAB_PUBLIC=1 turns public mode on (off by default: a single user's lab is unchanged): each
visitor (a browser, known by a cookie: ui/common/visitor.py) sees only their own runs, plus
the examples shipped with the app, and the bounds below apply. LAB_TRAINING_SLOTS is the number
of training worker processes (default: the cores); LAB_SHARED_RUNS bounds the runs that share
them at once, each advancing in turn (default: 16 per worker; the rest wait in line);
LAB_TRAINING_PROCESSES=0 trains in the server's threads instead of worker processes (default:
processes, except on one core). LAB_TEACHER_KEY, when set, is the key that unlocks the class
board's teacher controls (clear, hide, a new board); LAB_BOARD_* bound the board (core/runs/board.py).
Every setting is a whole number in the environment; a bad one falls back to its default and is
reported (`Settings.notices`), never fatal.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Any

from core.base.i18n import _
from core.contract.config import CNNConfig, MLPConfig


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (containers, taskset)
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Limits:
    """Public mode's bounds on one visitor's runs (env name: LAB_ + the field name, upper case)."""

    max_points: int = 2000  # MLP lab: points in the data set (n_samples)
    max_epochs: int = 300  # MLP lab: epochs (the overfitting preset needs 300)
    max_units: int = 1024  # MLP lab: width x depth (the overfitting preset is 256 x 3)
    max_images: int = 3000  # CNN lab: training images (n_train)
    max_cnn_epochs: int = 20  # CNN lab: epochs
    max_channels: int = 32  # CNN lab: channels of any conv layer
    runs_per_visitor: int = 30  # runs kept per visitor (a depth sweep makes 30); the oldest go first
    runs_total: int = 3000  # runs kept of all visitors together; the oldest go first
    downloads: int = 0  # 1: image sets that are not on disk may be downloaded
    visitor_days: int = 30  # days a visitor's cookie (so their runs) lasts after their last visit
    board_per_visitor: int = 3  # runs one visitor has on the class board; their oldest go first
    board_total: int = 300  # runs on the class board in all; the oldest go first
    board_hours: int = 12  # hours a run stays on the class board after it was published


SHARED_PER_SLOT = 16


@dataclass(frozen=True)
class Settings:
    """The host's settings: public mode, training slots, limits, and reasons a value was ignored."""

    public: bool = False
    slots: int = field(default_factory=_cores)  # training worker processes
    processes: bool = True  # train in worker processes (threads of the server when False)
    shared: int = field(default_factory=lambda: SHARED_PER_SLOT * _cores())  # runs at once; the rest wait
    limits: Limits = field(default_factory=Limits)
    notices: tuple[str, ...] = ()
    teacher_key: str = field(default="", repr=False)  # LAB_TEACHER_KEY: the class board's teacher controls

    @property
    def downloads(self) -> bool:
        """Whether an image set that is not on disk may be fetched (always, unless public)."""
        return not self.public or bool(self.limits.downloads)


def _int(env: dict[str, str], name: str, default: int, lo: int, notices: list[str]) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = lo - 1
    if value < lo:
        notices.append(f"{name}={raw!r} is not a whole number from {lo}: using {default}")
        return default
    return value


def settings(env: dict[str, str] | None = None) -> Settings:
    """The settings from the environment (os.environ unless given)."""
    env = dict(os.environ if env is None else env)
    notices: list[str] = []
    public = env.get("LAB_PUBLIC", "").strip().lower() in {"1", "true", "yes", "on"}
    slots = _int(env, "LAB_TRAINING_SLOTS", _cores(), 1, notices)
    # Worker processes by default where there are two cores or more; on one core (a small cloud
    # container) the trainings run in a thread of the server, which saves a worker's memory.
    processes = bool(_int(env, "LAB_TRAINING_PROCESSES", int(_cores() > 1), 0, notices))
    limits = Limits(
        **{
            f.name: _int(env, f"LAB_{f.name.upper()}", f.default, 0 if f.name == "downloads" else 1, notices)
            for f in fields(Limits)
        }
    )
    # Runs advance in turn, a slice (~20 ms of CPU) each: with 16 runs per worker a new run's
    # first epoch still comes within about a second (bench/load.py).
    shared = _int(env, "LAB_SHARED_RUNS", SHARED_PER_SLOT * slots, 1, notices)
    teacher_key = env.get("LAB_TEACHER_KEY", "").strip()
    return Settings(
        public=public,
        slots=slots,
        processes=processes,
        shared=shared,
        limits=limits,
        notices=tuple(notices),
        teacher_key=teacher_key,
    )


def over_limits(cfg: Any, limits: Limits) -> list[str]:
    """The bounds a config goes past, each in one sentence for the page (empty: within bounds)."""
    out = []

    def check(value: int, bound: int, what: str, env: str) -> None:
        if value > bound:
            out.append(
                _("This shared server trains at most {bound:,} {what} per run ({value:,} asked; the host "
                  "sets {env}). Lower it to train here, or run the lab on your own machine.").format(
                    bound=bound, what=what, value=value, env=env
                )
            )  # fmt: skip

    if isinstance(cfg, MLPConfig):
        check(cfg.n_samples, limits.max_points, _("points"), "LAB_MAX_POINTS")
        check(cfg.epochs, limits.max_epochs, _("epochs"), "LAB_MAX_EPOCHS")
        check(cfg.width * cfg.depth, limits.max_units, _("hidden units (width x depth)"), "LAB_MAX_UNITS")
    elif isinstance(cfg, CNNConfig):
        check(cfg.n_train, limits.max_images, _("training images"), "LAB_MAX_IMAGES")
        check(cfg.epochs, limits.max_cnn_epochs, _("epochs"), "LAB_MAX_CNN_EPOCHS")
        widest = max(cfg.channel_list, default=0)
        check(widest, limits.max_channels, _("channels in a conv layer"), "LAB_MAX_CHANNELS")
    return out
