"""The one config toolkit: typed frozen dataclasses with help text, one coercer, one error.

Every configurable thing (the recipe, each stage's options, dedup, the tokenizer) is a frozen
dataclass whose fields are declared with `option(...)`: a default, a help line (`dataprep
recipe-help` and `--help` print it, so docs and code cannot drift), and optionally the
allowed `choices` or a numeric `range`. `build` turns a YAML/CLI mapping into such a class,
`override` applies a mapping on top of an existing instance (presets), and both raise
`ConfigError`, whose message is one line naming the key.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from typing import Any, Mapping


class ConfigError(ValueError):
    """A configuration that cannot run; the message is one line naming the offending key."""


def option(default: Any = dataclasses.MISSING, help: str = "", *, factory: Any = dataclasses.MISSING,
           choices: tuple | None = None, range: tuple | None = None) -> Any:
    """A dataclass field with its help text; `range=(lo, hi)` is inclusive, None for open."""
    metadata = {"help": help}
    if choices is not None:
        metadata["choices"] = tuple(choices)
    if range is not None:
        metadata["range"] = range
    if factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def _type_name(hint) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def coerce(hint, value: Any, where: str) -> Any:
    """`value` checked against type `hint` and normalized (lists → tuples, ints → floats)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return coerce(inner, value, where)
    if dataclasses.is_dataclass(hint):
        return value if isinstance(value, hint) else build(hint, value, where)
    if origin in (tuple, list):
        # One entry without a list, as YAML users write it (a str is not iterated as letters).
        items = [value] if isinstance(value, (str, Mapping)) or dataclasses.is_dataclass(value) else value
        if not isinstance(items, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {type(value).__name__}")
        items = [coerce(args[0], item, f"{where}[{i}]") for i, item in enumerate(items)]
        return tuple(items) if origin is tuple else items
    if hint is dict or origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a mapping, got {type(value).__name__}")
        if args:  # dict[str, float]: `thresholds: {zh: high}` fails here, not mid-pipeline
            return {coerce(args[0], key, f"{where} key"): coerce(args[1], item, f"{where}.{key}")
                    for key, item in value.items()}
        return dict(value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (str, int, float, bool):
        if not isinstance(value, hint) or (hint is not bool and isinstance(value, bool)):
            raise ConfigError(f"{where}: expected {hint.__name__}, got {value!r}")
        return value
    if hint is Any:
        return value
    raise ConfigError(f"{where}: unsupported option type {_type_name(hint)}")  # a config-class bug


def check_field(field: dataclasses.Field, value: Any, where: str) -> None:
    """The field's declared choices and range (NaN is never in range)."""
    if value is None:
        return
    choices = field.metadata.get("choices")
    if choices is not None and value not in choices:
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(map(str, choices))}")
    bounds = field.metadata.get("range")
    if bounds is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
        low, high = bounds
        if (isinstance(value, float) and math.isnan(value)) or (low is not None and value < low) \
                or (high is not None and value > high):
            raise ConfigError(f"{where}: must be {_span(low, high)}, got {value!r}")


def _span(low, high) -> str:
    if high is None:
        return f"≥ {low}"
    if low is None:
        return f"≤ {high}"
    return f"in [{low}, {high}]"


def validate(config: Any, where: str = "") -> None:
    """Every field's choices and range; call it from a config's `__post_init__`."""
    prefix = f"{where}." if where else ""
    for field in dataclasses.fields(config):
        check_field(field, getattr(config, field.name), f"{prefix}{field.name}")


def _fields_of(cls) -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(cls)}


def _construct(cls_or_base, values: dict, where: str):
    try:
        if isinstance(cls_or_base, type):
            return cls_or_base(**values)
        return dataclasses.replace(cls_or_base, **values)
    except ConfigError as error:
        raise ConfigError(f"{where}: {error}" if where and not str(error).startswith(where) else str(error)) \
            from None
    except (TypeError, ValueError) as error:
        # A config's own cross-field checks are config errors too: one line, not a traceback.
        raise ConfigError(f"{where}: {error}") from None


def _unknown(data: Mapping, fields: Mapping, where: str, extra: tuple = ()) -> None:
    unknown = sorted(set(data) - set(fields), key=str)
    if unknown:
        valid = ", ".join([*fields, *extra])
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (valid keys: {valid})")


def build(cls, data: Any, where: str):
    """A mapping (YAML, CLI) validated into dataclass `cls`; None is every default."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping, got {type(data).__name__}")
    fields = _fields_of(cls)
    _unknown(data, fields, where)
    hints = typing.get_type_hints(cls)
    values = {}
    for name, field in fields.items():
        if name in data:
            values[name] = coerce(hints[name], data[name], f"{where}.{name}")
            check_field(field, values[name], f"{where}.{name}")
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{where}: missing required key {name!r}")
    return _construct(cls, values, where)


def override(base: Any, data: Mapping, where: str, extra_keys: tuple = ()):
    """`base` with the fields named in `data` replaced (a preset with the user's changes).

    A nested-config field takes null/false (off), true (the base's value or the default), or
    a mapping applied to the base's value in turn. `extra_keys` are accepted by the caller
    (e.g. `preset`) and only listed in the error for an unknown key.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping, got {data!r}")
    fields = _fields_of(base)
    _unknown(data, fields, where, extra_keys)
    hints = typing.get_type_hints(type(base))
    values = {}
    for name, value in data.items():
        key = f"{where}.{name}"
        nested = [a for a in (hints[name], *typing.get_args(hints[name])) if dataclasses.is_dataclass(a)]
        if nested:
            current = getattr(base, name)
            if value is None or value is False:
                values[name] = None
            elif value is True:
                values[name] = current if current is not None else nested[0]()
            elif isinstance(value, Mapping):
                values[name] = override(current if current is not None else nested[0](), value, key)
            else:
                raise ConfigError(f"{key}: expected a mapping, true or null, got {value!r}")
        else:
            values[name] = coerce(hints[name], value, key)
            check_field(fields[name], values[name], key)
    return _construct(base, values, where)


def to_dict(obj: Any) -> Any:
    """JSON-able form of a config (for recipe.json, settings files and config hashes)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(item) for item in obj]
    if isinstance(obj, Mapping):
        return {key: to_dict(value) for key, value in obj.items()}
    return obj


def describe(cls, prefix: str = "") -> list[str]:
    """`key: help (default)` lines for every field, recursing into nested configs."""
    lines = []
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        key = f"{prefix}{field.name}"
        hint = hints[field.name]
        inner = [a for a in typing.get_args(hint) if dataclasses.is_dataclass(a)]
        nested = hint if dataclasses.is_dataclass(hint) else (inner[0] if inner else None)
        if typing.get_origin(hint) is tuple and dataclasses.is_dataclass(typing.get_args(hint)[0]):
            key += "[]"
        default = ""
        if field.default is not dataclasses.MISSING:
            default = f" (default: {field.default!r})"
        elif field.default_factory is dataclasses.MISSING and nested is None:
            default = " (required)"
        allowed = ""
        if "choices" in field.metadata:
            allowed = f" [one of: {', '.join(map(str, field.metadata['choices']))}]"
        elif "range" in field.metadata:
            allowed = f" [{_span(*field.metadata['range'])}]"
        lines.append(f"{key}: {field.metadata.get('help', '')}{allowed}{default}")
        if nested is not None and nested is not cls:
            lines.extend(describe(nested, prefix=f"  {key}."))
    return lines
