"""CLI: `python -m core train [--model mlp] --depth 10 --activation sigmoid --json run.json`.

Flags are the config's field names, checked by the same codec as share links; a bad flag or
value exits with status 2 and one line on stderr. One line per epoch goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from typing import NoReturn

from core.config import ConfigError, MLPConfig, field_specs, from_dict_strict

LABS = {"mlp": MLPConfig}


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
    seen = set()
    for cls in LABS.values():
        for name, spec in field_specs(cls).items():
            if name in seen:
                continue
            seen.add(name)
            rule = (
                f"one of {', '.join(spec['choices'])}"
                if "choices" in spec
                else f"{spec['min']:g} to {spec['max']:g}"
                if "min" in spec
                else "true/false"
            )
            t.add_argument(
                f"--{name}",
                metavar="V",
                dest=name,
                default=None,
                help=f"{spec['help']} ({rule}; default {spec['default']})",
            )
    return p


def cmd_train(args: argparse.Namespace) -> int:
    """Train, print one line per epoch, optionally write JSON; exit code 0 unless diverged."""
    from core.training import train

    cls = LABS[args.model]
    given = {f.name: getattr(args, f.name) for f in fields(cls) if getattr(args, f.name) is not None}
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

    from core.training import History, problems

    if bad := problems(cfg):
        print(f"error: {' '.join(bad)}", file=sys.stderr)
        return 2
    history = History(config={}, layers=[], lab=args.model)
    recorder = None
    if args.save:
        from dataclasses import asdict

        from core.runs import Recorder, default_path, open_store

        store, warning = open_store(default_path())
        if warning:
            print(f"error: {warning}", file=sys.stderr)
            return 2
        recorder = Recorder(store, args.model, asdict(cfg), name=args.name, tags=["cli"])
        history.run_id = recorder.run_id

    def on_epoch(r: dict) -> None:
        if recorder is not None:
            recorder.on_epoch(r, history.layers)
        report(r)

    try:
        train(cfg, on_epoch=on_epoch, history=history)
    except ValueError as err:
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


def main(argv: list[str] | None = None) -> int:
    """Entry point for `python -m core`."""
    args = build_parser().parse_args(argv)
    return cmd_train(args)


if __name__ == "__main__":
    sys.exit(main())
