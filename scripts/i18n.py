"""Catalog workflow: ``python scripts/i18n.py extract|update|compile|check``.

extract  writes bot/locales/messages.pot from the code
update   merges the template into bot/locales/{ar,en}/LC_MESSAGES/messages.po
         (--ignore-obsolete --no-fuzzy-matching: a changed message comes back empty, never fuzzy)
compile  compiles both catalogs to .mo (the bot also compiles a missing or stale .mo at start-up)
check    fails when the template is stale against the code, or a catalog has a message that is
         missing, untranslated, fuzzy, short of plural forms, or whose {placeholders} differ
         from the source's; also when the Arabic Plural-Forms header is not the committed one

The keyword list lives here once, so extraction can never disagree with bot/i18n.py.
Every function takes ``root`` so the tests can run the same checks on a scratch project.
"""

from __future__ import annotations

import gettext
import string
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = ["_", "N_", "t", "tn:1,2", "ngettext:1,2"]
LANGUAGES = ["ar", "en"]
DOMAIN = "messages"

# Babel 2.18's Arabic rule (pinned in pyproject.toml). Form 4 is n%100 in 0..2 (100, 101, 102:
# CLDR "other"), form 5 is n%100 in 11..99 (CLDR "many"); other Babel versions swap 4 and 5,
# which would silently scramble every Arabic plural, so the header is checked, not trusted.
PLURAL_FORMS = {
    "ar": "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=0 && n%100<=2 ? 4 : 5)",
    "en": "(n != 1)",
}


def locales_dir(root: Path = ROOT) -> Path:
    return root / "bot" / "locales"


def pot_path(root: Path = ROOT) -> Path:
    return locales_dir(root) / f"{DOMAIN}.pot"


def po_path(lang: str, root: Path = ROOT) -> Path:
    return locales_dir(root) / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _pybabel(*args: str, root: Path = ROOT, quiet: bool = False) -> None:
    cmd = [sys.executable, "-m", "babel.messages.frontend", *(["--quiet"] if quiet else []), *args]
    subprocess.run(cmd, check=True, cwd=root)


def sources(root: Path) -> list[str]:
    """The packages whose copy goes into the catalogs (the domain names things with N_)."""
    return [d for d in ("bot", "domain") if (root / d).is_dir()]


def extract(output: Path | None = None, *, root: Path = ROOT, quiet: bool = False) -> None:
    output = output or pot_path(root)
    output.parent.mkdir(parents=True, exist_ok=True)
    kw: list[str] = []
    for k in KEYWORDS:
        kw += ["-k", k]
    _pybabel(
        "extract", "-F", "babel.cfg", "--no-default-keywords", *kw,
        "--project", "musaada", "--version", "1", "--copyright-holder", "Musaada",
        "--msgid-bugs-address", "musaada@example.org",
        "--sort-output", "--no-location", "--no-wrap",
        "-o", str(output), *sources(root),
        root=root, quiet=quiet,
    )  # fmt: skip


def update(*, root: Path = ROOT, quiet: bool = False) -> None:
    pot, locales = str(pot_path(root)), str(locales_dir(root))
    for lang in LANGUAGES:
        if not po_path(lang, root).exists():
            _pybabel(
                "init", "-i", pot, "-d", locales, "-l", lang, "--no-wrap", root=root, quiet=quiet
            )
        else:
            _pybabel(
                "update", "-i", pot, "-d", locales, "-l", lang, "--no-wrap",
                "--ignore-obsolete", "--no-fuzzy-matching",
                root=root, quiet=quiet,
            )  # fmt: skip
        _sort(po_path(lang, root))


def _sort(po: Path) -> None:
    """Messages in msgid order, no source locations: two branches that add copy merge cleanly."""
    catalog = _read(po)
    with po.open("wb") as fh:
        write_po(fh, catalog, width=0, no_location=True, sort_output=True, ignore_obsolete=True)


def compile_(*, root: Path = ROOT) -> None:
    _pybabel("compile", "-d", str(locales_dir(root)), "--statistics", root=root)


# --- checks -----------------------------------------------------------------------------------


def _key(msgid: str | tuple[str, ...], context: str | None) -> tuple[str, str, str]:
    """(singular, plural or "", context): a changed plural counts as a different message."""
    if isinstance(msgid, (tuple, list)):
        return (str(msgid[0]), str(msgid[1]), str(context or ""))
    return (str(msgid), "", str(context or ""))


def _read(path: Path, locale: str | None = None):  # type: ignore[no-untyped-def]
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _messages(pot: Path) -> set[tuple[str, str, str]]:
    return {_key(m.id, m.context) for m in _read(pot) if m.id}


def placeholders(text: str) -> set[str]:
    """The {names} a str.format template uses ({{ and }} are literal braces, not placeholders)."""
    names: set[str] = set()
    for _literal, field, _spec, _conv in string.Formatter().parse(text):
        if field is not None:
            names.add(field.split(".", 1)[0].split("[", 1)[0])
    return names


def single_value_forms(plural_expr: str, num_plurals: int, up_to: int = 1000) -> set[int]:
    """Plural form indices that only ever apply to one n (Arabic 0, 1 and 2; English singular).

    Such a form may spell the number out ("دقيقتان" for 2) and leave {n} out, as GNU msgfmt
    allows; every other placeholder must still be there.
    """
    form_of = gettext.c2py(plural_expr)
    hits = dict.fromkeys(range(num_plurals), 0)
    for n in range(up_to + 1):
        hits[form_of(n)] = hits.get(form_of(n), 0) + 1
    return {i for i, count in hits.items() if count == 1}


def message_problems(
    msgid: str | tuple[str, ...], strings: Iterable[str], *, plural_expr: str, num_plurals: int
) -> list[str]:
    """Placeholder problems of one message: each translation must use exactly the source's names."""
    out: list[str] = []
    ids = list(msgid) if isinstance(msgid, (tuple, list)) else [msgid]
    wanted = set().union(*(placeholders(s) for s in ids))
    forms = list(strings)
    free_n = single_value_forms(plural_expr, num_plurals) if len(ids) > 1 else set()
    for index, text in enumerate(forms):
        if not text:
            continue
        got = placeholders(text)
        expected = wanted - {"n"} if index in free_n and "n" not in got else wanted
        if got != expected:
            where = f"[{index}]" if len(ids) > 1 else ""
            out.append(f"placeholders{where} {sorted(got)} != source {sorted(expected)}")
    return out


def catalog_problems(
    lang: str, template: set[tuple[str, str, str]], *, root: Path = ROOT
) -> list[str]:
    out: list[str] = []
    catalog = _read(po_path(lang, root), locale=lang)
    want_expr = PLURAL_FORMS.get(lang)
    if want_expr and catalog.plural_expr.replace(" ", "") != want_expr.replace(" ", ""):
        out.append(
            f"{lang}: Plural-Forms header is {catalog.plural_forms!r}; expected plural={want_expr}"
        )
    num_plurals = catalog.num_plurals
    plural_expr = catalog.plural_expr
    ids = {_key(m.id, m.context) for m in catalog if m.id}
    for msgid, *_rest in sorted(template - ids):
        out.append(f"{lang}: missing {msgid[:60]!r}")
    for msgid, *_rest in sorted(ids - template):
        out.append(f"{lang}: not in the template {msgid[:60]!r}")
    for m in catalog:
        if not m.id:
            continue
        name = _key(m.id, m.context)[0][:60]
        if m.fuzzy:
            out.append(f"{lang}: fuzzy {name!r}")
        strings = tuple(m.string) if isinstance(m.string, (tuple, list)) else (m.string,)
        if not all(strings):
            out.append(f"{lang}: untranslated {name!r}")
        if m.pluralizable and len(strings) != num_plurals:
            out.append(f"{lang}: {len(strings)} plural forms, needs {num_plurals}: {name!r}")
        for problem in message_problems(
            m.id, strings, plural_expr=plural_expr, num_plurals=num_plurals
        ):
            out.append(f"{lang}: {problem} in {name!r}")
    return out


def problems(*, root: Path = ROOT) -> list[str]:
    """Everything CI must refuse: a stale template, and any catalog problem above."""
    out: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "fresh.pot"
        extract(fresh, root=root, quiet=True)
        code, committed = _messages(fresh), _messages(pot_path(root))
        if code != committed:
            new, gone = sorted(code - committed), sorted(committed - code)
            out.append(
                f"template is stale: {len(new)} new, {len(gone)} gone; run extract and update"
            )
            out += [f"  new: {m[0][:60]!r}" for m in new]
            out += [f"  gone: {m[0][:60]!r}" for m in gone]
    template = _messages(pot_path(root))
    for lang in LANGUAGES:
        out += catalog_problems(lang, template, root=root)
    return out


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "extract":
        extract()
    elif command == "update":
        update()
    elif command == "compile":
        compile_()
    elif command == "check":
        found = problems()
        for line in found:
            print(line)
        if not found:
            print("catalogs OK")
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
