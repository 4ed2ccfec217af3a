"""The one codec of the lab configs (core/contract/config.py): a config class's field metadata,
and every field as text and back, for URL params, CLI flags and the keys stored with a run.

Lenient where a visitor's link or an old stored run may hold a bad value (`from_params`,
`from_stored`: the default and a notice), strict where a user types it (`from_dict_strict`, the
CLI and imports: ConfigError). Works on any config-like dataclass whose fields declare their
domain in `metadata` (config.config_field).
"""

from __future__ import annotations

import functools
import math
from dataclasses import MISSING, asdict, fields
from typing import Any, TypeVar

from core.base.i18n import _

C = TypeVar("C")
TRUE = {"1", "true", "yes", "on", "t", "y"}
FALSE = {"0", "false", "no", "off", "f", "n"}


class ConfigError(ValueError):
    """A value that is not valid for a config field; the message names the field and the rule."""


def _type(cls: type, name: str) -> type:
    """The Python type of a field (annotations are strings under `from __future__`)."""
    return {"int": int, "float": float, "bool": bool, "str": str}[cls.__annotations__[name]]


@functools.cache
def field_specs(cls: type) -> dict[str, dict[str, Any]]:
    """name -> {type, default, label, help, choices/min/max} for every field of a config class;
    built once per class (a lab's controls read it for each of their widgets on every rerun), so
    read-only."""
    out = {}
    for f in fields(cls):
        assert f.default is not MISSING
        out[f.name] = {"type": _type(cls, f.name), "default": f.default, **f.metadata}
    return out


def parse_value(cls: type, name: str, raw: Any) -> Any:
    """Parse and check one field from text (or a native value); raise ConfigError with a reason."""
    specs = field_specs(cls)
    if name not in specs:
        raise ConfigError(_("{name}: unknown parameter").format(name=name))
    spec = specs[name]
    kind = spec["type"]
    text = str(raw).strip()
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        if text.lower() in TRUE:
            return True
        if text.lower() in FALSE:
            return False
        raise ConfigError(_("{name}: {text!r} is not true or false").format(name=name, text=text))
    if kind is str and "parse" in spec:
        return spec["parse"](text)
    if kind is str:
        if text not in spec["choices"]:
            choices = ", ".join(spec["choices"])
            raise ConfigError(
                _("{name}: {text!r} is not one of {choices}").format(name=name, text=text, choices=choices)
            )
        return text
    try:
        value = kind(text) if kind is float else _parse_int(text)
    except ValueError:
        rule = (
            _("{name}: {text!r} is not an integer") if kind is int else _("{name}: {text!r} is not a number")
        )
        raise ConfigError(rule.format(name=name, text=text)) from None
    if kind is float and not math.isfinite(value):
        raise ConfigError(_("{name}: {text!r} is not a finite number").format(name=name, text=text))
    lo, hi = spec.get("min"), spec.get("max")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(
            _("{name}: {text} is outside {lo:g} to {hi:g}").format(name=name, text=text, lo=lo, hi=hi)
        )
    return value


def _parse_int(text: str) -> int:
    """An integer from text; '5.0' is accepted, '5.5' is not."""
    try:
        return int(text)
    except ValueError:
        value = float(text)
        if not value.is_integer():
            raise
        return int(value)


def format_value(value: Any) -> str:
    """Text for one field value, exact enough to parse back to the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # shortest text that round-trips
    return str(value)


def to_params(cfg: Any) -> dict[str, str]:
    """Every field as text: a share link holds the whole config, so later default changes
    cannot alter an old experiment."""
    return {k: format_value(v) for k, v in asdict(cfg).items()}


def from_params(cls: type[C], params: dict[str, Any]) -> tuple[C, list[str]]:
    """Lenient parse for URLs and stored runs: a bad value falls back to its default and
    yields one readable notice; unknown keys are reported and ignored."""
    values, notices = {}, []
    specs = field_specs(cls)
    for key, raw in params.items():
        if isinstance(raw, list):  # repeated URL key: the last one wins, as in browsers' forms
            raw = raw[-1] if raw else ""
        if key not in specs:
            notices.append(_("{key}: unknown parameter, ignored").format(key=key))
            continue
        try:
            values[key] = parse_value(cls, key, raw)
        except ConfigError as err:
            default = format_value(specs[key]["default"]) or _("(empty)")
            notices.append(_("{reason}; using the default {default}").format(reason=err, default=default))
    return cls(**values), notices


DERIVED = ("init_used", "grad_every")  # the trainer's, kept beside a stored config (older runs: inside)


def from_stored(cls: type[C], values: dict[str, Any]) -> tuple[C, list[str]]:
    """A stored or imported run's config through the same lenient codec as a URL: its public
    fields parsed and checked (a bad value falls back with a notice); the keys the trainer
    derived, which older runs kept inside the config, are dropped without one."""
    return from_params(cls, {k: v for k, v in values.items() if k not in DERIVED})


def from_dict_strict(cls: type[C], values: dict[str, Any]) -> C:
    """Strict parse (CLI, imports): the first bad or unknown value raises ConfigError."""
    return cls(**{k: parse_value(cls, k, v) for k, v in values.items()})


def changed_fields(a: Any, b: Any) -> dict[str, tuple[Any, Any]]:
    """Fields whose values differ between two configs of the same class: name -> (a, b)."""
    da, db = asdict(a), asdict(b)
    return {k: (da[k], db[k]) for k in da if da[k] != db[k]}
