"""Home page: it launches, and each preset links to the MLP lab with a whole config."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.config import MLPConfig, from_params
from core.presets import PRESETS

HOME = str(Path(__file__).resolve().parents[2] / "dashboard.py")


def test_home_launches_with_preset_links():
    at = AppTest.from_file(HOME, default_timeout=60).run()
    assert not at.exception
    links = at.get("page_link")
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
