"""CLI: `python -m core train [--model mlp|cnn] --depth 10 --activation sigmoid --json run.json`.

Flags are the config's field names, checked by the same codec as share links; a bad flag or
value exits with status 2 and one line on stderr, and so does a config that cannot train. One
line per epoch goes to stdout. Anything else that goes wrong is a bug and says so (exit 70).
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from dataclasses import fields
from typing import NoReturn

from core.base import malloc
from core.contract.config import ConfigError, field_specs, from_dict_strict
from core.engine.labs import LABS as _LABS

LABS = {name: lab.config for name, lab in _LABS.items()}


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line instead of usage + error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """`train` with one flag per config field (all labs' fields; the lab checks its own)."""
    p = OneLineParser(prog="python -m core", description="Run a lab config headless.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    t = sub.add_parser("train", help="train one config and report every epoch")
    t.add_argument("--model", choices=sorted(LABS), default="mlp", help="which lab's model")
    t.add_argument("--json", metavar="PATH", help="write the run (config, epochs, grad_norm) here")
    t.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    t.add_argument(
        "--save",
        action="store_true",
        help="keep the run, epoch by epoch, in the run store (LAB_RUNS_DB or the per-user default)",
    )
    t.add_argument("--name", default="", help="a name for the stored run")
    t.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="auto",
        help="where to train; auto = the GPU for the cnn lab when there is one, else the CPU",
    )
    g = sub.add_parser("gallery", help="train the example runs shipped with the app and write them")
    g.add_argument("--out", metavar="PATH", help="where to write (default: gallery/examples.json)")
    specs: dict[str, list[tuple[str, dict]]] = {}
    for lab, cls in LABS.items():
        for name, spec in field_specs(cls).items():
            specs.setdefault(name, []).append((lab, spec))
    for name, per_lab in specs.items():
        rules = []
        for lab, spec in per_lab:
            rule = (
                f"one of {', '.join(spec['choices'])}"
                if "choices" in spec
                else f"{spec['min']:g} to {spec['max']:g}"
                if "min" in spec
                else "see above"
                if "parse" in spec
                else "true/false"
            )
            prefix = f"{lab}: " if len(per_lab) > 1 else f"{lab} only: " if len(LABS) > 1 else ""
            rules.append(f"{prefix}{rule}, default {spec['default']}")
        help_ = f"{per_lab[0][1]['help']} ({'; '.join(rules)})"
        t.add_argument(f"--{name}", metavar="V", dest=name, default=None, help=help_)
    return p


def cmd_train(args: argparse.Namespace) -> int:
    """Train, print one line per epoch, optionally write JSON; exit code 0 unless diverged."""
    from core.engine.training import train

    cls = LABS[args.model]
    names = {f.name for f in fields(cls)}
    every = {n for c in LABS.values() for n in c.__dataclass_fields__}
    if foreign := sorted(n for n in every - names if getattr(args, n) is not None):
        print(f"error: --{foreign[0]} is not a setting of the {args.model} lab", file=sys.stderr)
        return 2
    given = {n: getattr(args, n) for n in names if getattr(args, n) is not None}
    try:
        cfg = from_dict_strict(cls, given)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2

    def report(r: dict) -> None:
        if not args.quiet:
            first, last = r["grad_norm"][history.layers[0]], r["grad_norm"][history.layers[-1]]
            print(
                f"epoch {r['epoch']:>3}  train_loss {r['train_loss']:.4f}  val_loss "
                f"{r['val_loss']:.4f}  train_acc {r['train_acc']:.3f}  val_acc {r['val_acc']:.3f}"
                f"  grad first/last {first / last if last else float('inf'):.2e}",
                flush=True,
            )

    import torch

    from core.engine.devices import pick_device
    from core.engine.training import CannotTrain, History, data_for, problems

    def show_progress(label: str, fraction: float) -> None:
        print(f"\r{label}: {fraction:.0%}", end="\n" if fraction >= 1 else "", file=sys.stderr, flush=True)

    split = data_for(cfg, progress=show_progress)
    notice = getattr(split, "notice", "")
    if getattr(split, "dataset", cfg.dataset) != cfg.dataset:  # never train on another set silently
        print(f"error: {notice}", file=sys.stderr)
        return 2
    if notice:
        print(f"note: {notice}", file=sys.stderr)
    if bad := problems(cfg, tuple(split.x_train.shape[1:])):
        print(f"error: {' '.join(bad)}", file=sys.stderr)
        return 2
    device = pick_device(args.model) if args.device == "auto" else args.device
    if device == "cuda" and not torch.cuda.is_available():
        print("error: --device cuda: torch finds no CUDA GPU here; use --device cpu or auto", file=sys.stderr)
        return 2
    if not args.quiet:
        print(f"training on {device}: {len(split.x_train)} train / {len(split.x_val)} validation examples")
    history = History(config={}, layers=[], lab=args.model)
    recorder = None
    if args.save:
        from dataclasses import asdict

        from core.runs.recorder import Recorder
        from core.runs.store import open_store

        store, warning = open_store()
        if warning:
            print(f"error: {warning}", file=sys.stderr)
            return 2
        recorder = Recorder(store, args.model, asdict(cfg), name=args.name, tags=["cli"])
        history.run_id = recorder.run_id

    def on_epoch(r: dict) -> None:
        if recorder is not None:
            recorder.on_epoch(r)
        report(r)

    try:
        train(cfg, split=split, on_epoch=on_epoch, history=history, device=device)
    except CannotTrain as err:  # the config's fault: say why, as for a bad flag
        print(f"error: {err}", file=sys.stderr)
        return 2
    if recorder is not None:
        recorder.finish(history)
        print(f"saved as run #{recorder.run_id} in {recorder.store.path}")
    print(
        f"{history.status} after {len(history.epochs)} epochs in {history.seconds:.2f} s"
        + (f": {history.message}" if history.message else "")
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(history.to_dict(), fh)
    return 1 if history.status == "diverged" else 0


def cmd_gallery(args: argparse.Namespace) -> int:
    """Retrain the shipped examples (a minute on a laptop) and write the export."""
    from pathlib import Path

    from core.runs import gallery

    out = Path(args.out) if args.out else gallery.PATH
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(gallery.build())
    print(f"wrote {out}")
    return 0


EXIT_BUG = 70  # EX_SOFTWARE: an internal error, not the user's mistake


def main(argv: list[str] | None = None) -> int:
    """Entry point for `python -m core`: 0 done, 1 diverged, 2 a bad flag or a config that
    cannot train, 70 a bug in the lab (the traceback is printed, then one line saying so)."""
    args = build_parser().parse_args(argv)
    malloc.tune()  # as the lab's training processes run (core/base/malloc.py)
    try:
        return cmd_gallery(args) if args.command == "gallery" else cmd_train(args)
    except Exception as err:  # everything the user's input explains returned 2 above
        traceback.print_exc()
        print(
            f"internal error (a bug in the lab, not in your flags): {type(err).__name__}: {err}",
            file=sys.stderr,
        )
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
