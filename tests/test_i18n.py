"""Translations: catalogs complete and in step with the code, placeholders intact, Arabic plurals
right, bidirectional isolates balanced, and no English reaching an Arabic reader.

Fast and offline: no network, no database. The catalog check runs ``pybabel extract`` in a
subprocess (about a second).
"""

from __future__ import annotations

import gettext
import importlib.util
import re
import shutil
import string
import sys
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from bot import formatting
from bot.handlers.render import Rendered, render
from bot.i18n import FSI, PDI, tn, use_locale
from bot.services.notices import Event, Recipient
from domain.incidents import Equipment, IncidentType
from storage.models import Volunteer
from tests.factories import notice
from tests.notice_cases import ASSIGNED, CASES, T0

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("ar", "en")
ARABIC_LETTER = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
LATIN_WORD = re.compile(r"[A-Za-z]{4,}")
COMMAND = re.compile(r"(?<![\w/])/[a-z_]+\b")
ISOLATES = re.compile("[\u2066\u2067\u2068\u2069]")


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


script = _load_script()


#: A message's translation as a catalog holds it: one string, or the plural forms.
Translation = str | tuple[str, ...]


def _catalog(lang: str) -> Catalog:
    with script.po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


def _forms(message: Message) -> list[str]:
    assert message.string is not None, message.id  # read_po gives "" for an untranslated one
    return list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]


def _ids(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, (tuple, list)) else [message.id]


def _names(text: str) -> set[str]:
    return {f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f is not None}


def _messages(lang: str) -> list:
    return [m for m in _catalog(lang) if m.id]


# --- the catalogs -----------------------------------------------------------------------------


def test_catalogs_pass_the_check() -> None:
    """`scripts/i18n.py check`: template in step with the code, nothing missing/untranslated/fuzzy.

    Adding ``_("...")`` anywhere in bot/ without running extract + update + translating fails
    here (the template is stale, then the new message is untranslated in both catalogs).
    """
    assert script.problems() == []


def test_the_check_refuses_an_untranslated_new_string(tmp_path: Path) -> None:
    """The check above is not vacuous: on a scratch project it catches each way of forgetting."""
    shutil.copy(ROOT / "babel.cfg", tmp_path / "babel.cfg")
    (tmp_path / "bot").mkdir()
    source = tmp_path / "bot" / "copy.py"
    source.write_text(
        "from bot.i18n import _, tn\n"
        "A = _('Hello {name}')\n"
        "B = tn('{n} minute', '{n} minutes', 3)\n"
    )
    script.extract(root=tmp_path, quiet=True)
    script.update(root=tmp_path, quiet=True)

    def fill(changes: dict[str, Translation | dict[str, Translation]]) -> None:
        for lang in LANGUAGES:
            path = script.po_path(lang, tmp_path)
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
            for m in catalog:
                key = _ids(m)[0] if m.id else None
                if key in changes:
                    value = changes[key]
                    m.string = value[lang] if isinstance(value, dict) else value
            with path.open("wb") as fh:
                write_po(fh, catalog, width=0)

    ar_minutes = ("{n} دقيقة", "دقيقة واحدة", "دقيقتان", "{n} دقائق", "{n} دقيقة", "{n} دقيقة")
    fill(
        {
            "Hello {name}": {"ar": "مرحبًا {name}", "en": "Hello {name}"},
            "{n} minute": {"ar": ar_minutes, "en": ("{n} minute", "{n} minutes")},
        }
    )
    assert script.problems(root=tmp_path) == []

    # 1. a new string in the code, template not re-extracted
    source.write_text(source.read_text() + "C = _('Brand new sentence')\n")
    found = script.problems(root=tmp_path)
    assert any(p.startswith("template is stale: 1 new") for p in found), found

    # 2. extracted and merged, but nobody translated it
    script.extract(root=tmp_path, quiet=True)
    script.update(root=tmp_path, quiet=True)
    found = script.problems(root=tmp_path)
    assert "ar: untranslated 'Brand new sentence'" in found
    assert "en: untranslated 'Brand new sentence'" in found

    # 3. translated, but a placeholder lost, or Arabic short of plural forms
    fill({"Brand new sentence": {"ar": "جملة جديدة", "en": "Brand new sentence"}})
    assert script.problems(root=tmp_path) == []
    fill(
        {
            "Hello {name}": {"ar": "مرحبًا", "en": "Hello {name}"},
            "{n} minute": {"ar": ("{n} دقيقة", "دقيقة واحدة"), "en": ("{n} minute", "minutes")},
        }
    )
    found = script.problems(root=tmp_path)
    assert any(p.startswith("ar: placeholders [] != source ['name']") for p in found), found
    assert "ar: untranslated '{n} minute'" in found  # forms 2..5 are empty
    assert any(p.startswith("en: placeholders[1] [] != source ['n']") for p in found), found

    # 4. fuzzy (what `update` without --no-fuzzy-matching would leave behind)
    path = script.po_path("ar", tmp_path)
    path.write_text(path.read_text().replace('msgid "Brand new', '#, fuzzy\nmsgid "Brand new'))
    assert "ar: fuzzy 'Brand new sentence'" in script.problems(root=tmp_path)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_match_the_source(lang: str) -> None:
    """Each translation (every plural form) uses exactly the source's {names}.

    The one allowance is GNU msgfmt's: a plural form that applies to a single n (Arabic 0, 1, 2;
    English singular) may spell the number out and drop {n}, never any other name.
    """
    catalog = _catalog(lang)
    form_of = gettext.c2py(catalog.plural_expr)
    single = {
        i for i in range(catalog.num_plurals) if sum(1 for n in range(1001) if form_of(n) == i) == 1
    }
    bad = []
    for m in _messages(lang):
        wanted = set().union(*(_names(s) for s in _ids(m)))
        for index, text in enumerate(_forms(m)):
            got = _names(text)
            allowed = {frozenset(wanted)}
            if m.pluralizable and index in single:
                allowed.add(frozenset(wanted - {"n"}))
            if frozenset(got) not in allowed:
                bad.append((_ids(m)[0], index, sorted(got), sorted(wanted)))
            # and it formats: no stray braces
            text.format(**dict.fromkeys(wanted, "x"))
    assert bad == []


def test_arabic_plural_header_is_the_committed_one() -> None:
    catalog = _catalog("ar")
    assert catalog.num_plurals == 6
    assert catalog.plural_expr.replace(" ", "") == script.PLURAL_FORMS["ar"].replace(" ", "")
    form_of = gettext.c2py(catalog.plural_expr)
    assert [form_of(n) for n in (0, 1, 2, 3, 10, 11, 99, 100, 101, 102, 103, 111)] == [
        0, 1, 2, 3, 3, 5, 5, 4, 4, 4, 3, 5,
    ]  # fmt: skip


def test_emoji_are_kept() -> None:
    def symbols(text: str) -> set[str]:
        return {c for c in text if unicodedata.category(c) == "So"}

    bad = [
        (_ids(m)[0], form)
        for m in _messages("ar")
        for form in _forms(m)
        if symbols(form) != symbols(_ids(m)[0])
    ]
    assert bad == []


def test_arabic_catalog_is_arabic() -> None:
    """Every Arabic translation of a sentence with English words has Arabic and no English words.

    Placeholders and /commands are not words; "911" or "@{username}" are not English.
    """
    bad = []
    for m in _messages("ar"):
        source = COMMAND.sub("", re.sub(r"\{[^}]*\}", "", _ids(m)[0]))
        if not re.search(r"[A-Za-z]{2,}", source):
            continue  # only placeholders, emoji or a unit ("☎️ {service}: {number}", "{n} m")
        for form in _forms(m):
            words = COMMAND.sub("", re.sub(r"\{[^}]*\}", "", form))
            if not ARABIC_LETTER.search(words) or LATIN_WORD.search(words):
                bad.append((_ids(m)[0], form))
    assert bad == []


def test_arabic_quotes_the_arabic_button_labels() -> None:
    """“📍 Share my location” in an instruction must be the Arabic label the button really shows."""
    ar = {_ids(m)[0]: _forms(m)[0] for m in _messages("ar")}
    checked = 0
    for msgid, translation in ar.items():
        for label in re.findall(r"“([^”]+)”", msgid):
            if label in ar:
                assert f"«{ar[label]}»" in translation, (msgid, translation)
                checked += 1
    assert checked >= 3


# --- plurals ------------------------------------------------------------------------------------


def _iso(value: object) -> str:
    return f"{FSI}{value}{PDI}"


ALERTED_AR = {
    0: "لم يتم تنبيه أي متطوع",
    1: "تم تنبيه متطوع واحد",
    2: "تم تنبيه متطوعَين",
    3: f"تم تنبيه {_iso(3)} متطوعين",
    11: f"تم تنبيه {_iso(11)} متطوعًا",
    100: f"تم تنبيه {_iso(100)} متطوع",
    102: f"تم تنبيه {_iso(102)} متطوع",
    103: f"تم تنبيه {_iso(103)} متطوعين",
    1000: f"تم تنبيه {_iso('1,000')} متطوع",
}

MINUTES_AR = {
    0: f"{_iso(0)} دقيقة",
    1: "دقيقة واحدة",
    2: "دقيقتان",
    3: f"{_iso(3)} دقائق",
    11: f"{_iso(11)} دقيقة",
    100: f"{_iso(100)} دقيقة",
}


@pytest.mark.parametrize("n", sorted(ALERTED_AR))
def test_arabic_plural_volunteers_alerted(n: int) -> None:
    with use_locale("ar"):
        assert tn("{n} volunteer alerted", "{n} volunteers alerted", n) == ALERTED_AR[n]


@pytest.mark.parametrize("n", sorted(MINUTES_AR))
def test_arabic_plural_minutes(n: int) -> None:
    with use_locale("ar"):
        assert formatting.minutes(n) == MINUTES_AR[n]


def test_english_plurals() -> None:
    with use_locale("en"):
        got = [tn("{n} volunteer alerted", "{n} volunteers alerted", n) for n in (0, 1, 2)]
        assert got == ["0 volunteers alerted", "1 volunteer alerted", "2 volunteers alerted"]
        assert [formatting.minutes(n) for n in (0, 1, 2)] == ["0 minutes", "1 minute", "2 minutes"]
        assert formatting.duration(135) == "2 hours and 15 minutes"


def test_arabic_durations() -> None:
    with use_locale("ar"):
        assert formatting.duration(120) == "ساعتان"
        assert formatting.duration(60) == "ساعة واحدة"
        assert formatting.duration(135) == f"{_iso('ساعتان')} و{_iso(_iso(15) + ' دقيقة')}"


# --- bidirectional isolates --------------------------------------------------------------------


def _assert_balanced(text: str) -> None:
    depth = 0
    for ch in text:
        if ch == FSI:
            depth += 1
        elif ch == PDI:
            depth -= 1
            assert depth >= 0, f"PDI before its FSI in {text!r}"
    assert depth == 0, f"unclosed FSI in {text!r}"
    assert text.count(FSI) == text.count(PDI)


def test_arabic_values_are_isolated_and_balanced() -> None:
    n = notice(Recipient(1, 1, "ar"), Event.JOB_ASSIGNED, ASSIGNED)
    text = render(n).text
    _assert_balanced(text)
    for value in ("John", "+966 50 123 4567", "4711", "850", "Blue Toyota"):
        assert _iso(value) in text, value
    assert _iso(f"{_iso(850)} م") in text  # the distance, and the number inside it


def test_english_has_no_isolates() -> None:
    text = render(notice(Recipient(1, 1, "en"), Event.JOB_ASSIGNED, ASSIGNED)).text
    assert not ISOLATES.search(text)
    assert "John" in text and "+966 50 123 4567" in text and "850 m" in text


# --- formatting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "metres", "expected"),
    [
        ("en", 850, "850 m"),
        ("en", 42, "40 m"),
        ("en", 1234, "1.2 km"),
        ("en", 12_345, "12.3 km"),
        ("en", 2000, "2.0 km"),
        ("ar", 850, f"{_iso(850)} م"),
        ("ar", 1234, f"{_iso('1.2')} كم"),
        ("ar", 12_345, f"{_iso('12.3')} كم"),
    ],
)
def test_distance(lang: str, metres: float, expected: str) -> None:
    with use_locale(lang):
        assert formatting.distance(metres) == expected


def test_times_are_shown_in_riyadh() -> None:
    moment = datetime(2026, 3, 1, 21, 5, tzinfo=UTC)  # 00:05 on 2 March in Riyadh (UTC+3)
    with use_locale("en"):
        assert formatting.clock(moment).replace("\u202f", " ") == "12:05 AM"
        when = formatting.when(moment).replace("\u202f", " ")
        assert when.startswith("3/2/26") and when.endswith("12:05 AM")
    with use_locale("ar"):
        assert formatting.clock(moment) == "12:05 ص"
        assert formatting.when(moment).startswith("2\u200f/3\u200f/2026")


# --- every notice, in both languages ----------------------------------------------------------

NAMES = {"John", "Sarah", "Blue", "Toyota", "john_doe", "sarah_k", "Falcons"}


def _all_text(rendered: Rendered) -> list[str]:
    """Every word the reader sees. A point alone (a Telegram location, a live one moved or
    stopped) and an edit that takes buttons off have no words at all."""
    if not rendered.text and rendered.markup is None:
        return []
    texts = [rendered.text]
    if rendered.markup is not None:
        texts += [b.text for row in rendered.markup.inline_keyboard for b in row]
    return texts


def _english_words(text: str) -> list[str]:
    text = ISOLATES.sub(" ", text)
    text = COMMAND.sub(" ", text)
    tokens = re.findall(r"[A-Za-z_]+", text)
    return [w for w in tokens if LATIN_WORD.search(w) and w not in NAMES]


def test_every_event_has_a_case() -> None:
    assert set(CASES) == set(Event)


CASE_IDS = [(e, i) for e in CASES for i in range(len(CASES[e]))]


@pytest.mark.parametrize(("event", "index"), CASE_IDS, ids=[f"{e.value}-{i}" for e, i in CASE_IDS])
def test_no_english_reaches_an_arabic_reader(event: Event, index: int) -> None:
    rendered = render(notice(Recipient(1, 1, "ar"), event, CASES[event][index]))
    for text in _all_text(rendered):
        assert text.strip()
        assert _english_words(text) == [], text
        if text is rendered.text:
            assert ARABIC_LETTER.search(text), text
            _assert_balanced(text)


@pytest.mark.parametrize(("event", "index"), CASE_IDS, ids=[f"{e.value}-{i}" for e, i in CASE_IDS])
def test_no_arabic_reaches_an_english_reader(event: Event, index: int) -> None:
    rendered = render(notice(Recipient(1, 1, "en"), event, CASES[event][index]))
    for text in _all_text(rendered):
        assert text.strip()
        assert not ARABIC_LETTER.search(text), text
        assert not ISOLATES.search(text), text


def test_escalation_timeline_is_translated() -> None:
    params = dict(CASES[Event.OPS_ESCALATION][0])
    params["timeline"] = [
        (T0, "created", ""),
        (T0 + timedelta(seconds=5), "wave", "wave=1 radius_m=5000 alerted=3"),
        (T0 + timedelta(minutes=3), "declined", ""),
        (T0 + timedelta(minutes=10), "unanswered", ""),
    ]
    text = render(notice(Recipient(None, -100, "ar"), Event.OPS_ESCALATION, params)).text
    assert _english_words(text) == [], text


# --- other copy assembled outside render.py -------------------------------------------------


def _profiles() -> list[Volunteer]:

    now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    full = Volunteer(
        person_id=1,
        status="verified",
        conduct_accepted_at=now - timedelta(days=30),
        skills=IncidentType.LOST_DESERT.bit | IncidentType.BREAKDOWN.bit,
        equipment=int(Equipment.FOUR_BY_FOUR | Equipment.RECOVERY_KIT),
        on_duty=True,
        lat=24.7,
        lon=46.7,
        position_at=now - timedelta(minutes=5),
        phone="+966501234567",
        share_phone=True,
        radius_km=10,
        quiet_start_min=22 * 60,
        quiet_end_min=6 * 60,
        max_alerts_per_hour=4,
    )
    stale = Volunteer(
        person_id=2,
        status="pending",
        conduct_accepted_at=now,
        position_at=now - timedelta(days=2),
        max_alerts_per_hour=6,
    )
    bare = Volunteer(person_id=3, status="rejected", conduct_accepted_at=now)
    return [full, stale, bare]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_profile_and_code_of_conduct_speak_one_language(lang: str) -> None:
    from bot.handlers.profile import profile_keyboard, profile_text
    from bot.handlers.signup import conduct_text

    now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with use_locale(lang):
        texts = [conduct_text()]
        for vol in _profiles():
            texts.append(profile_text(vol, 615, 7, now, 3600.0))
            texts += [b.text for row in profile_keyboard(vol).inline_keyboard for b in row]
    for text in texts:
        if lang == "ar":
            assert _english_words(text) == [], text
            _assert_balanced(text)
        else:
            assert not ARABIC_LETTER.search(text) and not ISOLATES.search(text), text
