"""The hours export as CSV: one row per credited job, for spreadsheets and the national record.

UTF-8 with a byte-order mark, because spreadsheet programs read a CSV without one in the
machine's legacy code page and Arabic names turn to question marks. Dates are ISO 8601 (the
day in Asia/Riyadh, and the exact moment in UTC); column names are fixed English keys, a
data format others import, not copy for people.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC

from domain.periods import local_day
from storage.hours import ExportRow

COLUMNS = (
    "volunteer_id",
    "name",
    "team",
    "date",
    "done_at",
    "incident",
    "minutes",
    "request_id",
    "confirmed_by",
    "confirmed_how",
)


def hours_csv(rows: Iterable[tuple[ExportRow, str]]) -> bytes:
    """The CSV file's bytes; ``rows`` pairs each job with its volunteer's team name."""
    buf = io.StringIO(newline="")
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(COLUMNS)
    for row, team in rows:
        out.writerow(
            (
                row.volunteer_id,
                row.name,
                team,
                local_day(row.at).isoformat(),
                row.at.astimezone(UTC).isoformat(timespec="seconds"),
                row.incident,
                row.minutes,
                row.request_id,
                "" if row.confirmed_by is None else row.confirmed_by,
                row.how,
            )
        )
    return buf.getvalue().encode("utf-8-sig")
