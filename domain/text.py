"""Marking copy in the domain for the gettext catalogs without translating it here.

The domain knows no locale: it names things with ``N_`` (the extractor's keyword),
and the channel adapter translates the marked string for each reader.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated where it is rendered."""
    return message
