"""The syntax every callback data shares: an id's digits, a set of values, a full match."""

from __future__ import annotations

import re

# Up to 19 digits: every positive signed 64-bit integer; the range is checked after.
_ID = r"([0-9]{1,19})"


def _alternatives(values: object) -> str:
    return "(" + "|".join(re.escape(str(v)) for v in values) + ")"  # type: ignore[attr-defined]


def _full(data: str | None, pattern: re.Pattern[str]) -> re.Match[str] | None:
    return pattern.fullmatch(data) if data is not None else None
