"""The command centre's buttons: one make/parse pair for every ``ovr:`` callback.

Kept apart until bot/handlers/buttons.py (every callback's make/parse) lands on main; then
these move there unchanged. The data says which action on which request or page, nothing
else: whether the presser may do it is the role check's business, and whether it still
applies is the use case's.
"""

from __future__ import annotations

import re
from enum import StrEnum

PREFIX = "ovr"
PATTERN = r"^ovr:"
_DATA = re.compile(r"^ovr:([a-z]+):(\d{1,18})$")


class OpsAction(StrEnum):
    PAGE = "page"  # /open: show page N
    VIEW = "view"  # show request N (/request N)
    CANCEL = "cancel"
    REDISPATCH = "redo"
    REASSIGN = "reas"


def make(action: OpsAction, ident: int) -> str:
    return f"{PREFIX}:{action}:{ident}"


def parse(data: str) -> tuple[OpsAction, int] | None:
    """The action and its number, or None for anything we did not make."""
    found = _DATA.match(data)
    if found is None:
        return None
    try:
        return OpsAction(found.group(1)), int(found.group(2))
    except ValueError:
        return None
