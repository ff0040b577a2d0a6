"""Frozen config dataclasses to JSON and back, whatever their nesting.

A config is a frozen dataclass whose fields are plain values, tuples, or
other config dataclasses. :func:`to_dict` is :func:`dataclasses.asdict`;
:func:`from_dict` rebuilds the dataclass from its annotations, turning
JSON lists back into tuples and nested dicts back into nested configs, so
that a config read back compares equal to the one written.

Examples
--------
>>> from wavecraft.translate.config import TranslationConfig
>>> config = TranslationConfig(length=4096)
>>> from_dict(TranslationConfig, to_dict(config)) == config
True
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, TypeVar

T = TypeVar("T")


def to_dict(config: Any) -> dict:
    """The config's fields as a JSON-able dict (nested configs as dicts, tuples as lists once dumped)."""
    return dataclasses.asdict(config)


def from_dict(cls: type[T], payload: dict, **given: Any) -> T:
    """The ``cls`` config described by ``payload`` (as :func:`to_dict` made it).

    Parameters
    ----------
    cls : type
        A dataclass.
    payload : dict
        Field name -> value; missing fields take their defaults.
    **given
        Fields passed as they are (a field whose type is a union of configs,
        which the payload alone cannot tell apart).

    Raises
    ------
    TypeError
        For a field ``cls`` does not have.
    """
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(payload) - names - set(given))
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {', '.join(unknown)}")
    values = {name: _value(hints[name], value) for name, value in payload.items() if name not in given}
    return cls(**values, **given)


def _value(hint: Any, value: Any) -> Any:
    """``value`` as the annotated type wants it: a nested config, a tuple, or as it is."""
    if value is None:
        return None
    if dataclasses.is_dataclass(hint) and isinstance(value, dict):
        return from_dict(hint, value)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is tuple and isinstance(value, (list, tuple)):
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_value(args[0], item) for item in value)
        return tuple(_value(arg, item) for arg, item in zip(args, value)) if args else tuple(value)
    if origin in (typing.Union, types.UnionType):
        configs = [arg for arg in args if dataclasses.is_dataclass(arg)]
        if len(configs) == 1 and isinstance(value, dict):
            return from_dict(configs[0], value)
        plain = [arg for arg in args if arg is not type(None)]
        if len(plain) == 1:
            return _value(plain[0], value)
    return value
