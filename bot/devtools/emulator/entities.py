"""Telegram-style parsing of ``parse_mode`` text into plain text plus entities.

Why this exists: Telegram never shows the bot's markup characters to the user; it strips them
and returns ``entities`` with UTF-16 offsets, and it *rejects* malformed markup with
``400 Bad Request: can't parse entities: ...``. Bots that forget to escape a user's name or a
``.`` in MarkdownV2 fail in production exactly there, so the emulator reproduces both the
stripping (tests read what the user would read) and the rejection (tests catch the bug).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["EntityParseError", "bot_command_entities", "parse_text", "utf16_len"]


class EntityParseError(ValueError):
    """Malformed markup; the message is the part after ``can't parse entities: ``."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def bot_command_entities(text: str) -> list[dict[str, Any]]:
    """The ``bot_command`` entity Telegram attaches to a leading ``/command``."""
    match = re.match(r"/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]{3,64})?", text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Return ``(plain_text, entities)`` for ``text`` sent with ``parse_mode``.

    Raises :class:`EntityParseError` for markup Telegram would reject.
    """
    if not parse_mode:
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown(text, v2=True)
    if mode == "markdown":
        return _parse_markdown(text, v2=False)
    raise EntityParseError(f'Unsupported parse_mode "{parse_mode}"')


# --------------------------------------------------------------------------- HTML

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_SUPPORTED_TAGS = {*_SIMPLE_TAGS, "a", "span", "blockquote", "tg-emoji"}
_ATTR_RE = re.compile(r"""([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_CHARREF_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]+);")


def _parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    pos16 = 0  # current UTF-16 offset in the output
    stack: list[tuple[str, int, dict[str, str], int]] = []  # tag, start16, attrs, byte offset
    attrs: dict[str, str]
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "<":
            end = source.find(">", i)
            if end == -1:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(source, i)}"
                )
            inner = source[i + 1 : end].strip()
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack:
                    raise EntityParseError(
                        f"Unexpected end tag at byte offset {_byte_offset(source, i)}"
                    )
                tag, start16, attrs, _ = stack.pop()
                if name and name != tag:
                    raise EntityParseError(
                        f"Unmatched end tag at byte offset {_byte_offset(source, i)}, "
                        f'expected "</{tag}>", found "</{name}>"'
                    )
                entity = _html_entity(tag, attrs, start16, pos16 - start16, stack)
                if entity is not None:
                    entities.append(entity)
            else:
                name_match = re.match(r"[A-Za-z][-A-Za-z0-9]*", inner)
                name = name_match.group(0).lower() if name_match else ""
                if name not in _SUPPORTED_TAGS:
                    raise EntityParseError(
                        f'Unsupported start tag "{name or inner}" at byte offset '
                        f"{_byte_offset(source, i)}"
                    )
                attrs = {}
                for attr in _ATTR_RE.finditer(inner[len(name) :]):
                    value = attr.group(2) or ""
                    if value[:1] in {'"', "'"}:
                        value = value[1:-1]
                    attrs[attr.group(1).lower()] = _unescape(value)
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise EntityParseError(
                        f'Tag "span" must have class "tg-spoiler" at byte offset '
                        f"{_byte_offset(source, i)}"
                    )
                if name == "a" and "href" not in attrs:
                    attrs["href"] = ""
                stack.append((name, pos16, attrs, _byte_offset(source, i)))
            i = end + 1
            continue
        if ch == "&":
            ref = _CHARREF_RE.match(source, i)
            if ref is not None:
                decoded = _decode_charref(ref.group(1))
                if decoded is not None:
                    out.append(decoded)
                    pos16 += utf16_len(decoded)
                    i = ref.end()
                    continue
        if ch == ">":
            # Telegram tolerates a bare '>' in text.
            pass
        out.append(ch)
        pos16 += utf16_len(ch)
        i += 1
    if stack:
        tag = stack[-1][0]
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _decode_charref(ref: str) -> str | None:
    if ref.startswith("#"):
        try:
            code = int(ref[2:], 16) if ref[1:2] in {"x", "X"} else int(ref[1:])
            return chr(code)
        except (ValueError, OverflowError):
            return None
    return _NAMED_ENTITIES.get(ref)


def _unescape(value: str) -> str:
    def repl(m: re.Match[str]) -> str:
        decoded = _decode_charref(m.group(1))
        return decoded if decoded is not None else m.group(0)

    return _CHARREF_RE.sub(repl, value)


def _html_entity(
    tag: str,
    attrs: dict[str, str],
    offset: int,
    length: int,
    stack: list[tuple[str, int, dict[str, str], int]],
) -> dict[str, Any] | None:
    if length <= 0:
        return None
    entity: dict[str, Any] = {"offset": offset, "length": length}
    if tag == "a":
        href = attrs.get("href", "")
        user = re.fullmatch(r"tg://user\?id=(\d+)", href)
        if user:
            entity.update(
                type="text_mention",
                user={"id": int(user.group(1)), "is_bot": False, "first_name": ""},
            )
        else:
            entity.update(type="text_link", url=href)
    elif tag == "span":
        entity["type"] = "spoiler"
    elif tag == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in attrs else "blockquote"
    elif tag == "tg-emoji":
        entity.update(type="custom_emoji", custom_emoji_id=attrs.get("emoji-id", ""))
    elif tag == "code" and stack and stack[-1][0] == "pre":
        language = attrs.get("class", "")
        if language.startswith("language-"):
            # Telegram folds <pre><code class="language-x"> into one pre entity with language.
            stack[-1][2]["language"] = language[len("language-") :]
            return None
        entity["type"] = "code"
    elif tag == "pre":
        entity["type"] = "pre"
        if attrs.get("language"):
            entity["language"] = attrs["language"]
    else:
        entity["type"] = _SIMPLE_TAGS[tag]
    return entity


# --------------------------------------------------------------------------- Markdown

_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
}


def _parse_markdown(source: str, *, v2: bool) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    pos16 = 0
    entities: list[dict[str, Any]] = []
    open_: list[tuple[str, int, int]] = []  # type, start16, byte offset of the marker
    link_starts: list[tuple[int, int]] = []  # start16, byte offset
    i = 0
    n = len(source)

    def emit(text: str) -> None:
        nonlocal pos16
        out.append(text)
        pos16 += utf16_len(text)

    def toggle(kind: str, at: int) -> None:
        if open_ and open_[-1][0] == kind:
            _, start16, _ = open_.pop()
            if pos16 > start16:
                entities.append({"type": kind, "offset": start16, "length": pos16 - start16})
            return
        if any(o[0] == kind for o in open_):
            raise EntityParseError(
                f"Can't find end of {_MD_NAMES[open_[-1][0]]} entity at byte offset {open_[-1][2]}"
            )
        open_.append((kind, pos16, at))

    while i < n:
        ch = source[i]
        at = _byte_offset(source, i)
        if ch == "\\" and i + 1 < n and (v2 or source[i + 1] in "_*`["):
            emit(source[i + 1])
            i += 2
            continue
        if ch == "`":
            if source.startswith("```", i):
                close = source.find("```", i + 3)
                if close == -1:
                    raise EntityParseError(f"Can't find end of Pre entity at byte offset {at}")
                body = source[i + 3 : close]
                language = ""
                first_nl = body.find("\n")
                if first_nl != -1 and re.fullmatch(r"[A-Za-z0-9_+-]*", body[:first_nl]):
                    language, body = body[:first_nl], body[first_nl + 1 :]
                body = re.sub(r"\\([`\\])", r"\1", body) if v2 else body
                start16 = pos16
                emit(body)
                if pos16 > start16:
                    entity: dict[str, Any] = {
                        "type": "pre",
                        "offset": start16,
                        "length": pos16 - start16,
                    }
                    if language:
                        entity["language"] = language
                    entities.append(entity)
                i = close + 3
                continue
            close = source.find("`", i + 1)
            while v2 and close != -1 and source[close - 1] == "\\" and source[close - 2] != "\\":
                close = source.find("`", close + 1)
            if close == -1:
                raise EntityParseError(f"Can't find end of Code entity at byte offset {at}")
            body = source[i + 1 : close]
            body = re.sub(r"\\([`\\])", r"\1", body) if v2 else body
            start16 = pos16
            emit(body)
            if pos16 > start16:
                entities.append({"type": "code", "offset": start16, "length": pos16 - start16})
            i = close + 1
            continue
        if ch == "*":
            toggle("bold", at)
            i += 1
            continue
        if ch == "_":
            if v2 and source.startswith("__", i):
                toggle("underline", at)
                i += 2
            else:
                toggle("italic", at)
                i += 1
            continue
        if v2 and ch == "~":
            toggle("strikethrough", at)
            i += 1
            continue
        if v2 and ch == "|" and source.startswith("||", i):
            toggle("spoiler", at)
            i += 2
            continue
        if ch == "[":
            link_starts.append((pos16, at))
            i += 1
            continue
        if ch == "]" and link_starts:
            start16, _ = link_starts.pop()
            if source.startswith("(", i + 1):
                close = source.find(")", i + 2)
                if close == -1:
                    raise EntityParseError(f"Can't find end of a URL at byte offset {at}")
                url = source[i + 2 : close].replace("\\)", ")").replace("\\\\", "\\")
                if pos16 > start16:
                    entities.append(
                        {
                            "type": "text_link",
                            "offset": start16,
                            "length": pos16 - start16,
                            "url": url,
                        }
                    )
                i = close + 1
                continue
            if v2:
                raise EntityParseError(
                    "Character ']' is reserved and must be escaped with the preceding '\\'"
                )
            emit("]")
            i += 1
            continue
        if v2 and ch in _V2_RESERVED:
            if ch == ">" and (i == 0 or source[i - 1] == "\n"):
                # Block quotation line marker: drop it (quote entity omitted for simplicity).
                i += 1
                continue
            raise EntityParseError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        emit(ch)
        i += 1
    if open_:
        kind, _, at = open_[-1]
        raise EntityParseError(f"Can't find end of {_MD_NAMES[kind]} entity at byte offset {at}")
    if link_starts:
        raise EntityParseError(
            f"Can't find end of TextUrl entity at byte offset {link_starts[-1][1]}"
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities
