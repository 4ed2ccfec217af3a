"""The host's settings from the environment, and public mode's bounds in words."""

from __future__ import annotations

from core.contract.config import CNNConfig, MLPConfig
from core.serving.hosting import Limits, over_limits, settings


def test_host_settings_from_the_environment():
    s = settings({})
    assert not s.public and s.slots >= 1 and s.limits == Limits() and s.downloads and s.notices == ()
    s = settings({"LAB_PUBLIC": "1", "LAB_TRAINING_SLOTS": "3", "LAB_MAX_EPOCHS": "100"})
    assert s.public and s.slots == 3 and s.limits.max_epochs == 100 and not s.downloads
    assert settings({"LAB_PUBLIC": "1", "LAB_DOWNLOADS": "1"}).downloads
    bad = settings({"LAB_TRAINING_SLOTS": "zero", "LAB_MAX_POINTS": "-5"})
    assert bad.slots == settings({}).slots and bad.limits.max_points == Limits().max_points
    assert len(bad.notices) == 2 and "LAB_TRAINING_SLOTS" in bad.notices[0]


def test_limits_name_what_is_over_and_the_setting():
    limits = Limits(
        max_points=500, max_epochs=100, max_units=64, max_images=300, max_cnn_epochs=5, max_channels=8
    )
    assert over_limits(MLPConfig(n_samples=500, epochs=100, depth=2, width=32), limits) == []
    msgs = over_limits(MLPConfig(n_samples=501, epochs=101, depth=3, width=32), limits)
    assert len(msgs) == 3 and all("at most" in m for m in msgs)
    assert "LAB_MAX_POINTS" in msgs[0] and "LAB_MAX_EPOCHS" in msgs[1] and "LAB_MAX_UNITS" in msgs[2]
    cnn = over_limits(CNNConfig(n_train=301, epochs=6, channels="8,16"), limits)
    assert ["LAB_MAX_IMAGES" in cnn[0], "LAB_MAX_CNN_EPOCHS" in cnn[1], "LAB_MAX_CHANNELS" in cnn[2]] == [
        True
    ] * 3
    # every preset of the home page trains within the default public limits
    from core.contract.presets import PRESETS

    for preset in PRESETS.values():
        assert over_limits(MLPConfig(**preset.fields), Limits()) == [], preset.title
    assert over_limits(CNNConfig(), Limits()) == []
