"""The config codec: round trips, lenient parsing of junk, strict parsing, specific cases."""

from __future__ import annotations

import math
from dataclasses import fields

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.contract.config import (
    ConfigError,
    MLPConfig,
    changed_fields,
    field_specs,
    format_value,
    from_dict_strict,
    from_params,
    parse_value,
    replace,
    to_params,
)

SPECS = field_specs(MLPConfig)
NAMES = list(SPECS)
SETTINGS = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def strategy_for(spec: dict) -> st.SearchStrategy:
    """Valid values for one field, from its declared domain."""
    if "choices" in spec:
        return st.sampled_from(spec["choices"])
    if spec["type"] is bool:
        return st.booleans()
    if spec["type"] is int:
        return st.integers(spec["min"], spec["max"])
    assert spec["type"] is float
    return st.floats(spec["min"], spec["max"], allow_nan=False, allow_infinity=False)


valid_configs = st.fixed_dictionaries({name: strategy_for(spec) for name, spec in SPECS.items()}).map(
    lambda values: MLPConfig(**values)
)


def test_field_specs_describe_every_field():
    assert NAMES == [f.name for f in fields(MLPConfig)]
    for name, spec in SPECS.items():
        assert spec["label"] and spec["help"], name
        kind = spec["type"]
        assert kind in (int, float, bool, str)
        if kind is str:
            assert spec["choices"] and spec["default"] in spec["choices"]
        elif kind is bool:
            assert isinstance(spec["default"], bool)
        else:
            assert spec["min"] <= spec["default"] <= spec["max"], name
        assert parse_value(MLPConfig, name, spec["default"]) == spec["default"]
        assert parse_value(MLPConfig, name, format_value(spec["default"])) == spec["default"]


def test_default_round_trip():
    cfg = MLPConfig()
    params = to_params(cfg)
    assert list(params) == NAMES
    assert all(isinstance(v, str) for v in params.values())
    assert from_params(MLPConfig, params) == (cfg, [])


@SETTINGS
@given(valid_configs)
def test_round_trip_of_valid_configs(cfg):
    params = to_params(cfg)
    back, notices = from_params(MLPConfig, params)
    assert notices == []
    assert back == cfg
    for name in NAMES:  # types survive too (5 stays int, 5.0 stays float)
        assert type(getattr(back, name)) is type(getattr(cfg, name))
    assert from_dict_strict(MLPConfig, params) == cfg


@SETTINGS
@given(st.floats(allow_nan=False))
def test_format_value_float_is_exact(x):
    assert float(format_value(x)) == x


# Text that often looks like a value: numbers in and out of range, booleans, choices, junk.
junk_text = st.one_of(
    st.text(max_size=30),
    st.integers(-(10**6), 10**6).map(str),
    st.floats().map(repr),
    st.floats(-1e3, 1e3).map(lambda x: f" {x:g} "),
    st.sampled_from(["true", "False", "yes", "0", "1", "on", "nan", "inf", "-inf", "", " ", "5.0", "1e9"]),
    st.sampled_from(
        [v for s in SPECS.values() for c in s.get("choices", ()) for v in (c, c.upper(), f" {c} ")]
    ),
)


def check_lenient(params: dict) -> None:
    cfg, notices = from_params(MLPConfig, params)
    assert isinstance(cfg, MLPConfig)
    for name in NAMES:  # every field of the result is valid under its own rules
        value = getattr(cfg, name)
        assert parse_value(MLPConfig, name, value) == value
        assert isinstance(value, SPECS[name]["type"])
    bad = []
    for key, raw in params.items():
        raw = raw[-1] if isinstance(raw, list) and raw else ("" if isinstance(raw, list) else raw)
        if key not in SPECS:
            bad.append(key)
            continue
        try:
            good = parse_value(MLPConfig, key, raw)
        except ConfigError:
            bad.append(key)
            assert getattr(cfg, key) == SPECS[key]["default"]  # falls back to the default
        else:
            assert getattr(cfg, key) == good
    assert len(notices) == len(bad)  # one notice per bad key
    for key, notice in zip(bad, notices):
        assert notice.startswith(f"{key}:")
        if key in SPECS:  # the offending text is quoted, so a notice about a value is one line
            assert "\n" not in notice


@SETTINGS
@given(st.dictionaries(st.sampled_from(NAMES), junk_text))
def test_junk_never_raises_known_keys(params):
    check_lenient(params)


@SETTINGS
@given(
    st.dictionaries(
        st.one_of(st.sampled_from(NAMES), st.text(max_size=10)),
        st.one_of(junk_text, st.lists(junk_text, max_size=3)),
    )
)
def test_junk_never_raises_any_keys_and_repeated_values(params):
    check_lenient(params)


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("depth", "abc"),
        ("depth", "99"),
        ("depth", "0"),
        ("depth", "5.5"),
        ("depth", ""),
        ("activation", "evil"),
        ("activation", "ReLU"),
        ("lr", "1e9"),
        ("lr", "nan"),
        ("lr", "inf"),
        ("lr", "-inf"),
        ("lr", "0"),
        ("noise", "-0.1"),
        ("batch_norm", "maybe"),
        ("epochs", "inf"),
        ("epochs", "nan"),
        ("seed", "-1"),
    ],
)
def test_bad_values_are_reported_and_defaulted(key, raw):
    cfg, notices = from_params(MLPConfig, {key: raw, "width": "7"})
    assert cfg == replace(MLPConfig(), width=7)
    assert len(notices) == 1
    assert notices[0].startswith(f"{key}:")
    assert f"using the default {format_value(SPECS[key]['default'])}" in notices[0]
    with pytest.raises(ConfigError, match=f"^{key}:"):
        parse_value(MLPConfig, key, raw)
    with pytest.raises(ConfigError, match=key):
        from_dict_strict(MLPConfig, {"width": "7", key: raw})


@pytest.mark.parametrize(
    ("key", "raw", "value"),
    [
        ("depth", "5.0", 5),
        ("depth", " 7 ", 7),
        ("depth", 5.0, 5),
        ("batch_norm", "yes", True),
        ("batch_norm", "0", False),
        ("batch_norm", "ON", True),
        ("batch_norm", "false", False),
        ("batch_norm", True, True),
        ("lr", "1e-3", 0.001),
        ("lr", "10", 10.0),
        ("activation", "tanh", "tanh"),
        ("noise", "0", 0.0),
    ],
)
def test_good_values_are_accepted(key, raw, value):
    parsed = parse_value(MLPConfig, key, raw)
    assert parsed == value and type(parsed) is type(value)
    cfg, notices = from_params(MLPConfig, {key: raw})
    assert notices == []
    assert getattr(cfg, key) == value and type(getattr(cfg, key)) is type(value)


def test_unknown_key_is_reported_and_ignored():
    cfg, notices = from_params(MLPConfig, {"bogus": "1", "depth": "6"})
    assert cfg == replace(MLPConfig(), depth=6)
    assert notices == ["bogus: unknown parameter, ignored"]


def test_repeated_url_key_last_wins():
    cfg, notices = from_params(MLPConfig, {"depth": ["3", "7"]})
    assert (cfg.depth, notices) == (7, [])
    cfg, notices = from_params(MLPConfig, {"depth": []})
    assert cfg.depth == MLPConfig().depth and len(notices) == 1


def test_from_dict_strict():
    cfg = from_dict_strict(MLPConfig, {"depth": "6", "activation": "tanh", "lr": "0.5", "residual": "1"})
    assert cfg == replace(MLPConfig(), depth=6, activation="tanh", lr=0.5, residual=True)
    assert from_dict_strict(MLPConfig, {}) == MLPConfig()
    with pytest.raises(ConfigError, match="^bogus: unknown parameter"):
        from_dict_strict(MLPConfig, {"bogus": "1"})
    with pytest.raises(ConfigError, match="^depth:.*abc"):
        from_dict_strict(MLPConfig, {"depth": "abc"})
    assert issubclass(ConfigError, ValueError)


def test_range_message_names_the_limits():
    with pytest.raises(ConfigError, match=r"^depth: 99 is outside 1 to 20$"):
        parse_value(MLPConfig, "depth", "99")


def test_changed_fields():
    a = MLPConfig()
    assert changed_fields(a, a) == {}
    b = replace(a, depth=a.depth + 3, lr=0.5, activation="tanh")
    assert changed_fields(a, b) == {
        "depth": (a.depth, a.depth + 3),
        "lr": (a.lr, 0.5),
        "activation": (a.activation, "tanh"),
    }
    assert changed_fields(b, a) == {k: (v2, v1) for k, (v1, v2) in changed_fields(a, b).items()}


def test_config_is_frozen():
    with pytest.raises(AttributeError):
        MLPConfig().depth = 3  # type: ignore[misc]
    assert math.isfinite(MLPConfig().lr)
