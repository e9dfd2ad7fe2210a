"""Every kind of attachment a person can send instead of text or a location, as Telegram
sends it: for :meth:`EmuUser.send_raw` (``user.send_raw(MEDIA["voice"])``).

Why a table and not one method per kind: the tests that ask "does every kind get an
answer?" (the media tests, the fuzzer) iterate over it, so a kind added here is covered
everywhere at once.
"""

from __future__ import annotations

__all__ = ["FILE", "MEDIA"]

FILE = {"file_id": "f1", "file_unique_id": "u1"}
MEDIA: dict[str, dict[str, object]] = {
    "voice": {"voice": {**FILE, "duration": 3}},
    "photo": {"photo": [{**FILE, "width": 90, "height": 90}]},
    "sticker": {
        "sticker": {
            **FILE,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    },
    "video": {"video": {**FILE, "width": 320, "height": 240, "duration": 5}},
    "video_note": {"video_note": {**FILE, "length": 240, "duration": 5}},
    "document": {"document": {**FILE, "file_name": "report.pdf"}},
    "audio": {"audio": {**FILE, "duration": 60}},
    "animation": {
        "animation": {**FILE, "width": 320, "height": 240, "duration": 2},
        "document": FILE,
    },
    "contact": {"contact": {"phone_number": "+966500000001", "first_name": "Noura", "user_id": 1}},
    "poll": {
        "poll": {
            "id": "p1",
            "question": "Which way?",
            "options": [
                {"text": "left", "voter_count": 0, "persistent_id": "o1"},
                {"text": "right", "voter_count": 0, "persistent_id": "o2"},
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }
    },
    "dice": {"dice": {"emoji": "🎲", "value": 4}},
}
