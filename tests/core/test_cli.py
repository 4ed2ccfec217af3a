"""`python -m core train`: one real run in a subprocess, flag errors in-process (and one for real)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from core.__main__ import main

TINY = ["train", "--dataset", "spiral", "--depth", "3", "--epochs", "2", "--n_samples", "200"]


def run_cli(args: list[str], cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_train_subprocess_json_contract(tmp_path, repo_root):
    out = tmp_path / "run.json"
    proc = run_cli([*TINY, "--json", str(out)], repo_root)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    epoch_lines = [ln for ln in lines if ln.startswith("epoch")]
    assert len(epoch_lines) == 2
    assert [int(ln.split()[1]) for ln in epoch_lines] == [1, 2]
    assert lines[-1].startswith("finished after 2 epochs")

    d = json.loads(out.read_text())
    assert {"config", "status", "seconds", "layers", "epochs", "grad_norm"} <= set(d)
    assert d["status"] == "finished"
    assert d["config"]["depth"] == 3 and d["config"]["dataset"] == "spiral"
    assert d["config"]["n_samples"] == 200 and d["config"]["epochs"] == 2
    assert d["layers"] == ["layer1", "layer2", "layer3", "out"]  # every weight layer, input to output
    assert len(d["epochs"]) == 2
    for i, r in enumerate(d["epochs"]):
        assert r["epoch"] == i + 1
        assert math.isfinite(r["train_loss"]) and math.isfinite(r["val_loss"])
        assert 0.0 <= r["train_acc"] <= 1.0 and 0.0 <= r["val_acc"] <= 1.0
    assert list(d["grad_norm"]) == d["layers"]
    for series in d["grad_norm"].values():
        assert len(series) == 2 and all(v > 0 and math.isfinite(v) for v in series)
    # the printed losses are the recorded ones
    for ln, r in zip(epoch_lines, d["epochs"]):
        assert f"train_loss {r['train_loss']:.4f}" in ln and f"val_acc {r['val_acc']:.3f}" in ln


def test_bad_flag_subprocess_exits_2_with_one_line(repo_root):
    proc = run_cli(["train", "--depth", "abc"], repo_root)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1
    assert "depth" in proc.stderr


def call_main(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["train", "--depth", "abc"], "depth"),
        (["train", "--depth", "99"], "depth"),
        (["train", "--activation", "evil"], "activation"),
        (["train", "--bogus", "1"], "bogus"),
        (["train", "--lr", "nan"], "lr"),
        (["train", "--batch_norm", "maybe"], "batch_norm"),
        (["train", "--model", "rnn"], "model"),
        (["train", "--batch_norm", "true", "--batch_size", "1", "--epochs", "1"], "batch"),
        (["fly"], "fly"),
        ([], "command"),
    ],
)
def test_bad_flags_exit_2_with_one_line(argv, word, capsys):
    code, out, err = call_main(argv, capsys)
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error:")
    assert word in lines[0].lower()


def test_an_internal_fault_is_reported_as_a_bug_not_as_a_bad_flag(monkeypatch, capsys):
    """A config that cannot train is the user's to fix (exit 2, one line); anything else going
    wrong inside is the lab's fault and must say so (exit 70, with the traceback)."""
    import core.engine.training

    def broken(*args, **kwargs):
        raise ValueError("an internal value error")  # the old CLI said "error: ..." and exit 2

    monkeypatch.setattr(core.engine.training, "train", broken)
    assert main(["train", "--epochs", "1", "--n_samples", "50", "--quiet"]) == 70
    err = capsys.readouterr().err
    assert "a bug in the lab, not in your flags" in err and "an internal value error" in err
    assert "Traceback" in err and "error: an internal" not in err
