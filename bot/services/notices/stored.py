"""Payloads as the outbox stores them: JSON with the event's name, revived to their type.

Every payload module is loaded with the package (``__init__``), so ``from_json`` knows each
event an outbox row can name.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.services.notices.core import PAYLOADS, Event, Payload


def to_json(payload: Payload) -> str:
    """The payload as a JSON object with its event name, for the outbox."""
    return json.dumps(
        {"event": str(payload.event), **_plain(dataclasses.asdict(payload))}, ensure_ascii=False
    )


def from_json(stored: str) -> Payload:
    """The payload ``to_json`` wrote. Raises KeyError/TypeError on an unknown shape."""
    data = json.loads(stored)
    cls = PAYLOADS[Event(data.pop("event"))]
    return cls(**_typed(cls, data))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    """A payload type's field types, resolved once (resolving is costly: the outbox revives
    every row it sends)."""
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _typed(cls: type[Any], data: dict[str, Any]) -> dict[str, Any]:
    hints = _hints(cls)
    return {name: _revive(hints[name], value) for name, value in data.items()}


def _revive(hint: Any, value: Any) -> Any:
    if isinstance(value, dict) and "$dt" in value:
        return datetime.fromisoformat(value["$dt"])
    if typing.get_origin(hint) in (typing.Union, types.UnionType):  # an optional nested value
        given = [a for a in typing.get_args(hint) if a is not type(None)]
        return _revive(given[0], value) if len(given) == 1 and value is not None else value
    if isinstance(value, dict) and isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint(**_typed(hint, value))
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return hint(value)
    if typing.get_origin(hint) is tuple:
        item = typing.get_args(hint)[0]
        return tuple(_revive(item, v) for v in value)
    if isinstance(hint, type) and issubclass(hint, tuple) and isinstance(value, list):
        fields = _hints(hint)
        return hint(*(_revive(h, v) for h, v in zip(fields.values(), value, strict=True)))
    if isinstance(value, dict):
        return {k: _revive(None, v) for k, v in value.items()}
    return value
