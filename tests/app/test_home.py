"""Home page: it launches, and each preset links to the MLP lab with a whole config."""

from pathlib import Path

import torch
from streamlit.testing.v1 import AppTest

from core.contract.config import MLPConfig, from_params, to_params
from core.contract.presets import PRESETS

HOME = str(Path(__file__).resolve().parents[2] / "dashboard.py")


def test_home_launches_with_preset_links():
    at = AppTest.from_file(HOME, default_timeout=60).run()
    assert not at.exception
    links = at.main.get("page_link")
    preset_links = [pl for pl in links if pl.proto.label == "Open in the MLP lab"]
    assert len(preset_links) == len(PRESETS)
    configs = []
    for link in preset_links:
        assert link.proto.page.endswith("MLP_Lab")
        query = dict(pair.split("=", 1) for pair in link.proto.query_string.split("&"))
        cfg, notices = from_params(MLPConfig, query)
        assert notices == []
        configs.append(cfg)
    # Every preset is linked (columns reorder them on the page), with its own fields set.
    for preset in PRESETS.values():
        assert MLPConfig(**preset.fields) in configs, preset.title


def test_the_path_starts_with_history_and_lists_every_page():
    at = AppTest.from_file(HOME, default_timeout=60).run()
    path = [pl for pl in at.main.get("page_link") if pl.proto.label != "Open in the MLP lab"]
    pages = [pl.proto.page for pl in path]
    assert pages[0] == "History" and pages[1:3] == ["Neuron", "Activations"]
    assert path[0].proto.label.startswith("1. **History**")
    on_disk = sorted(p.name for p in (Path(HOME).parent / "pages").glob("*.py"))
    assert len(pages) == len(on_disk)  # every page of the lab, none in preparation
    intro = at.markdown[0].value
    assert "same run" in intro and "dropout masks" in intro and "GPU" in intro


def _train_from_link(query: dict[str, str], global_seed: int) -> list[dict]:
    """A fresh session opens the MLP lab from a shared link and presses Train."""
    torch.manual_seed(global_seed)  # whatever the server's global RNG holds must not matter
    at = AppTest.from_file(HOME, default_timeout=120)
    at.switch_page("pages/3_MLP_Lab.py")
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.button[0].click().run()  # Train
    assert not at.exception
    history = at.session_state["mlp.history"]
    assert history.status == "finished"
    return [{k: v for k, v in r.items() if k != "seconds"} for r in history.epochs]


def test_a_shared_link_reproduces_the_run(tmp_path, monkeypatch):
    """What the home page promises: the same link gives the same curves, dropout included."""
    monkeypatch.setenv("LAB_RUNS_DB", str(tmp_path / "runs.sqlite"))
    link = to_params(MLPConfig(dataset="moons", n_samples=200, depth=3, width=16, dropout=0.3, epochs=3))
    first, second = _train_from_link(link, 1), _train_from_link(link, 2)
    assert len(first) == 3 and first == second  # losses, accuracies, gradient norms, histograms
    other = _train_from_link({**link, "seed": "1"}, 1)
    assert [r["train_loss"] for r in other] != [r["train_loss"] for r in first]
