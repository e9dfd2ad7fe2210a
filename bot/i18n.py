"""Translations: gettext catalogs compiled with Babel, one locale per recipient.

The locale lives in a ContextVar, never a module global: one update may send
to a citizen in Arabic and five volunteers in English, and each rendering runs
inside ``use_locale(recipient.language)``. Templates are translated first and
formatted after (never an f-string inside ``_()``); in right-to-left locales
every substituted value is wrapped in Unicode isolates so a Latin name, a phone
number or a distance stays where it belongs in Arabic text.
"""

from __future__ import annotations

import gettext
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
LANGUAGES = ("ar", "en")
DEFAULT_LANGUAGE = "en"
RTL_LANGUAGES = frozenset({"ar"})

FSI = "\u2068"  # FIRST STRONG ISOLATE
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE

_locale: ContextVar[str] = ContextVar("musaada_locale", default=DEFAULT_LANGUAGE)


class CatalogMissingError(RuntimeError):
    """A catalog is missing: the bot must not start speaking half a language."""


def resolve_language(chosen: str | None, telegram_code: str | None) -> str:
    """The person's choice wins; otherwise Arabic for Arabic Telegram clients, else English."""
    if chosen in LANGUAGES:
        return chosen
    if telegram_code and telegram_code.lower().startswith("ar"):
        return "ar"
    return DEFAULT_LANGUAGE


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog for a language; compiles the .po with Babel when no fresh .mo exists."""
    if language not in LANGUAGES:
        raise CatalogMissingError(f"unsupported language {language!r}")
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    if not po.exists():
        raise CatalogMissingError(f"no catalog for {language!r} at {po}")
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buf = BytesIO()
    write_mo(buf, catalog)
    try:
        mo.write_bytes(buf.getvalue())
    except OSError:  # read-only install: use it from memory
        log.info("could not write %s; using the catalog from memory", mo)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def check_catalogs() -> None:
    """Load every catalog at start-up so a missing one fails loudly, not mid-conversation."""
    for language in LANGUAGES:
        translations(language)


def current_language() -> str:
    return _locale.get()


def is_rtl(language: str | None = None) -> bool:
    return (language or _locale.get()) in RTL_LANGUAGES


def set_locale(language: str) -> str:
    """The language for the rest of this update (its task): set once per update, early."""
    _locale.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    return _locale.get()


@contextmanager
def use_locale(language: str) -> Iterator[str]:
    token = _locale.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield _locale.get()
    finally:
        _locale.reset(token)


def _(message: str) -> str:
    return translations(_locale.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_locale.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a string for extraction without translating it yet (translated when rendered)."""
    return message


def isolate(value: object) -> str:
    """Wrap a value so bidirectional text renders it as one unit in the reader's direction."""
    return f"{FSI}{value}{PDI}"


def fmt(template: str, /, **params: object) -> str:
    """Format an already-translated template; isolates every value in right-to-left locales."""
    if is_rtl():
        params = {k: isolate(v) for k, v in params.items()}
    return template.format(**params)


def t(message: str, /, **params: object) -> str:
    """Translate then format: the common case."""
    return fmt(_(message), **params)


def tn(singular: str, plural: str, n: int, /, **params: object) -> str:
    """Plural-aware translate then format; ``n`` is passed to the template as ``{n}`` too."""
    return fmt(ngettext(singular, plural, n), n=format_number(n), **params)


def babel_locale(language: str | None = None) -> Locale:
    return Locale.parse(language or _locale.get())


def format_number(n: float | int) -> str:
    from babel.numbers import format_decimal

    return str(format_decimal(n, locale=babel_locale()))


def native_names() -> Mapping[str, str]:
    """How each language names itself, for the language picker (not translated on purpose)."""
    return {"ar": "العربية", "en": "English"}


def texts_match(text: str, fn: object) -> bool:
    """Whether ``text`` is ``fn()`` (a button label) in any language."""
    for code in LANGUAGES:
        with use_locale(code):
            if text == fn():  # type: ignore[operator]
                return True
    return False
