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
    return _Html(source).parse()


_Open = tuple[str, int, dict[str, str], int]  # tag, start16, attrs, byte offset


class _Html:
    """One pass over HTML source: text, character references, start and end tags."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.out: list[str] = []
        self.pos16 = 0  # current UTF-16 offset in the output
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        source, i, n = self.source, 0, len(self.source)
        while i < n:
            ch = source[i]
            if ch == "<":
                i = self._tag(i)
                continue
            if ch == "&" and (ref := _CHARREF_RE.match(source, i)) is not None:
                decoded = _decode_charref(ref.group(1))
                if decoded is not None:
                    self._emit(decoded)
                    i = ref.end()
                    continue
            # Anything else is text (Telegram tolerates a bare '>').
            self._emit(ch)
            i += 1
        if self.stack:
            tag = self.stack[-1][0]
            raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{tag}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.pos16 += utf16_len(text)

    def _tag(self, i: int) -> int:
        """The tag that starts at ``i``; where the text goes on after it."""
        end = self.source.find(">", i)
        if end == -1:
            raise EntityParseError(
                f"Unclosed start tag at byte offset {_byte_offset(self.source, i)}"
            )
        inner = self.source[i + 1 : end].strip()
        if inner.startswith("/"):
            self._end_tag(inner[1:].strip().lower(), i)
        else:
            self._start_tag(inner, i)
        return end + 1

    def _end_tag(self, name: str, i: int) -> None:
        at = _byte_offset(self.source, i)
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {at}")
        tag, start16, attrs, _ = self.stack.pop()
        if name and name != tag:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {at}, expected "</{tag}>", found "</{name}>"'
            )
        entity = _html_entity(tag, attrs, start16, self.pos16 - start16, self.stack)
        if entity is not None:
            self.entities.append(entity)

    def _start_tag(self, inner: str, i: int) -> None:
        name_match = re.match(r"[A-Za-z][-A-Za-z0-9]*", inner)
        name = name_match.group(0).lower() if name_match else ""
        if name not in _SUPPORTED_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{name or inner}" at byte offset '
                f"{_byte_offset(self.source, i)}"
            )
        attrs: dict[str, str] = {}
        for attr in _ATTR_RE.finditer(inner[len(name) :]):
            value = attr.group(2) or ""
            if value[:1] in {'"', "'"}:
                value = value[1:-1]
            attrs[attr.group(1).lower()] = _unescape(value)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset '
                f"{_byte_offset(self.source, i)}"
            )
        if name == "a" and "href" not in attrs:
            attrs["href"] = ""
        self.stack.append((name, self.pos16, attrs, _byte_offset(self.source, i)))


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
    stack: list[_Open],
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
    return _Markdown(source, v2=v2).parse()


class _Markdown:
    """One pass over Markdown or MarkdownV2 source: each marker's own method, one state."""

    def __init__(self, source: str, *, v2: bool) -> None:
        self.source, self.v2 = source, v2
        self.out: list[str] = []
        self.pos16 = 0
        self.entities: list[dict[str, Any]] = []
        self.open: list[tuple[str, int, int]] = []  # type, start16, byte offset of the marker
        self.link_starts: list[tuple[int, int]] = []  # start16, byte offset
        self.i = 0

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        source, n = self.source, len(self.source)
        while self.i < n:
            self._step(source[self.i], _byte_offset(source, self.i))
        if self.open:
            kind, _, at = self.open[-1]
            raise EntityParseError(
                f"Can't find end of {_MD_NAMES[kind]} entity at byte offset {at}"
            )
        if self.link_starts:
            raise EntityParseError(
                f"Can't find end of TextUrl entity at byte offset {self.link_starts[-1][1]}"
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _step(self, ch: str, at: int) -> None:
        """Read what starts at ``self.i`` (``ch``, at byte offset ``at``) and move past it."""
        source, i, v2 = self.source, self.i, self.v2
        if ch == "\\" and i + 1 < len(source) and (v2 or source[i + 1] in "_*`["):
            self._emit(source[i + 1])
            self.i += 2
        elif ch == "`" and source.startswith("```", i):
            self._pre(at)
        elif ch == "`":
            self._code(at)
        elif ch == "*":
            self._toggle("bold", at, 1)
        elif ch == "_" and v2 and source.startswith("__", i):
            self._toggle("underline", at, 2)
        elif ch == "_":
            self._toggle("italic", at, 1)
        elif v2 and ch == "~":
            self._toggle("strikethrough", at, 1)
        elif v2 and ch == "|" and source.startswith("||", i):
            self._toggle("spoiler", at, 2)
        elif ch == "[":
            self.link_starts.append((self.pos16, at))
            self.i += 1
        elif ch == "]" and self.link_starts:
            self._link_end(at)
        elif v2 and ch in _V2_RESERVED:
            if not (ch == ">" and (i == 0 or source[i - 1] == "\n")):
                raise EntityParseError(
                    f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
                )
            # Block quotation line marker: drop it (quote entity omitted for simplicity).
            self.i += 1
        else:
            self._emit(ch)
            self.i += 1

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.pos16 += utf16_len(text)

    def _span(self, kind: str, body: str, **extra: Any) -> None:
        """``body`` as plain text, and an entity of ``kind`` over it unless it is empty."""
        start16 = self.pos16
        self._emit(body)
        if self.pos16 > start16:
            self.entities.append(
                {"type": kind, "offset": start16, "length": self.pos16 - start16, **extra}
            )

    def _toggle(self, kind: str, at: int, width: int) -> None:
        self.i += width
        if self.open and self.open[-1][0] == kind:
            _, start16, _ = self.open.pop()
            if self.pos16 > start16:
                self.entities.append(
                    {"type": kind, "offset": start16, "length": self.pos16 - start16}
                )
            return
        if any(o[0] == kind for o in self.open):
            raise EntityParseError(
                f"Can't find end of {_MD_NAMES[self.open[-1][0]]} entity at byte offset "
                f"{self.open[-1][2]}"
            )
        self.open.append((kind, self.pos16, at))

    def _pre(self, at: int) -> None:
        source, i = self.source, self.i
        close = source.find("```", i + 3)
        if close == -1:
            raise EntityParseError(f"Can't find end of Pre entity at byte offset {at}")
        body = source[i + 3 : close]
        language = ""
        first_nl = body.find("\n")
        if first_nl != -1 and re.fullmatch(r"[A-Za-z0-9_+-]*", body[:first_nl]):
            language, body = body[:first_nl], body[first_nl + 1 :]
        body = re.sub(r"\\([`\\])", r"\1", body) if self.v2 else body
        self._span("pre", body, **({"language": language} if language else {}))
        self.i = close + 3

    def _code(self, at: int) -> None:
        source, i = self.source, self.i
        close = source.find("`", i + 1)
        while self.v2 and close != -1 and source[close - 1] == "\\" and source[close - 2] != "\\":
            close = source.find("`", close + 1)
        if close == -1:
            raise EntityParseError(f"Can't find end of Code entity at byte offset {at}")
        body = source[i + 1 : close]
        self._span("code", re.sub(r"\\([`\\])", r"\1", body) if self.v2 else body)
        self.i = close + 1

    def _link_end(self, at: int) -> None:
        source, i = self.source, self.i
        start16, _ = self.link_starts.pop()
        if source.startswith("(", i + 1):
            close = source.find(")", i + 2)
            if close == -1:
                raise EntityParseError(f"Can't find end of a URL at byte offset {at}")
            url = source[i + 2 : close].replace("\\)", ")").replace("\\\\", "\\")
            if self.pos16 > start16:
                self.entities.append(
                    {
                        "type": "text_link",
                        "offset": start16,
                        "length": self.pos16 - start16,
                        "url": url,
                    }
                )
            self.i = close + 1
            return
        if self.v2:
            raise EntityParseError(
                "Character ']' is reserved and must be escaped with the preceding '\\'"
            )
        self._emit("]")
        self.i += 1
