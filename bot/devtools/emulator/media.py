"""Voice notes, photos and videos as Telegram writes them in its JSON: what a person sends
the bot (by file_id, with sizes) and what the bot's own sends return (the fields PTB
requires). Shared by the emulator's state (answers) and its users (updates)."""

from __future__ import annotations

from typing import Any


def _file(file_id: str, **extra: Any) -> dict[str, Any]:
    return {"file_id": file_id, "file_unique_id": f"u-{file_id}", **extra}


def sent_media_json(media: dict[str, Any]) -> dict[str, Any]:
    """A voice note, photo or video the bot sent by file_id, as Telegram returns it."""
    file = _file(media["file_id"])
    kind = media["kind"]
    if kind == "voice":
        return {"voice": {**file, "duration": 1}}
    if kind == "photo":
        return {"photo": [{**file, "width": 1280, "height": 960}]}
    return {"video": {**file, "width": 640, "height": 480, "duration": 1}}


def incoming_media(kind: str, file_id: str, *, size: int, duration: int) -> dict[str, Any]:
    """A voice note, photo (two sizes, as Telegram offers) or video a person sends the bot."""
    file = _file(file_id, file_size=size)
    if kind == "voice":
        return {"voice": {**file, "duration": duration}}
    if kind == "photo":
        small = _file(f"{file_id}-small", file_size=size // 10)
        return {
            "photo": [
                {**small, "width": 90, "height": 90},
                {**file, "width": 1280, "height": 960},
            ]
        }
    if kind == "video":
        return {"video": {**file, "width": 640, "height": 480, "duration": duration}}
    raise ValueError(f"no such media kind: {kind}")
