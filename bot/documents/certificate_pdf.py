"""A certificate of volunteer hours as a one-page A4 PDF, in the volunteer's language.

fpdf2 with HarfBuzz text shaping (``set_text_shaping``): Arabic letters join, lines run
right to left, and every value is wrapped in Unicode isolates (bot.i18n.t does it in Arabic)
so names, dates and numbers keep their place. The QR code is drawn as vector squares from
segno's matrix, so it stays sharp at any zoom and needs no image library.
"""

from __future__ import annotations

import segno
from babel.dates import format_date
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from bot import formatting
from bot.documents.fonts import font_files
from bot.handlers.words import incident_name
from bot.i18n import _, babel_locale, format_number, is_rtl, t, use_locale
from bot.services.certificates import Statement, pretty_code
from domain.periods import local_day

FAMILY = "dejavu"
MARGIN = 20.0
WIDTH = 210.0 - 2 * MARGIN
# The programme's name in both scripts, on every certificate whatever its language.
BRAND = "Musaada · مساعدة"


def verify_link(bot_username: str, code: str) -> str:
    """The deep link the QR code opens: the bot's /start with ``verify_<code>``."""
    return f"https://t.me/{bot_username}?start=verify_{code}"


def certificate_pdf(statement: Statement, *, bot_username: str) -> bytes:
    """The PDF, in the statement's language."""
    with use_locale(statement.language):
        pdf = _document()
        rtl = is_rtl(statement.language)
        _heading(pdf, statement)
        _jobs_table(pdf, statement, rtl)
        _verification(pdf, statement, bot_username, rtl)
        return bytes(pdf.output())


def _document() -> FPDF:
    regular, bold = font_files()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_font(FAMILY, "", str(regular))
    pdf.add_font(FAMILY, "B", str(bold))
    pdf.set_text_shaping(True)
    pdf.set_title(_("Certificate of volunteer hours"))
    pdf.set_creator("Musaada")
    pdf.add_page()
    return pdf


def _line(pdf: FPDF, text: str, size: float, *, bold: bool = False, height: float = 9) -> None:
    pdf.set_font(FAMILY, "B" if bold else "", size)
    pdf.multi_cell(WIDTH, height, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _day(d: object) -> str:
    return str(format_date(d, "long", locale=babel_locale()))  # type: ignore[arg-type]


def _heading(pdf: FPDF, s: Statement) -> None:
    pdf.set_draw_color(30, 90, 60)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 190, 277)
    pdf.set_y(28)
    _line(pdf, BRAND, 13)
    _line(pdf, _("Certificate of volunteer hours"), 24, bold=True, height=14)
    pdf.ln(6)
    _line(pdf, _("This certifies that"), 13)
    _line(pdf, s.name, 22, bold=True, height=13)
    pdf.ln(2)
    _line(
        pdf,
        t(
            "gave {hours} of volunteer work through Musaada, from {start} to {end}.",
            hours=formatting.duration(s.minutes),
            start=_day(s.start),
            end=_day(s.end),
        ),
        13,
    )
    if s.team:
        _line(pdf, t("Team: {team}", team=s.team), 13)
    pdf.ln(6)


def _jobs_table(pdf: FPDF, s: Statement, rtl: bool) -> None:
    """Jobs by incident type: type, number of jobs, time; mirrored in right-to-left languages."""
    widths = (WIDTH * 0.44, WIDTH * 0.14, WIDTH * 0.42)
    rows = [(_("Incident type"), _("Jobs"), _("Time"))]
    rows += [(incident_name(i), format_number(n), formatting.duration(m)) for i, n, m in s.jobs]
    rows.append((_("Total"), format_number(s.job_count), formatting.duration(s.minutes)))
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.2)
    for index, row in enumerate(rows):
        heavy = index in (0, len(rows) - 1)
        pdf.set_font(FAMILY, "B" if heavy else "", 11)
        cells = list(zip(row, widths, strict=True))
        for text, width in reversed(cells) if rtl else cells:
            align = Align.R if rtl else Align.L
            pdf.cell(width, 9, text, border=1, align=align)
        pdf.ln(9)


def _verification(pdf: FPDF, s: Statement, bot_username: str, rtl: bool) -> None:
    link = verify_link(bot_username, s.code)
    size = 42.0
    top = 297.0 - 30 - size
    qr_x = MARGIN if rtl else 210.0 - MARGIN - size
    _qr(pdf, link, qr_x, top, size)
    text_x = MARGIN + size + 6 if rtl else MARGIN
    text_w = WIDTH - size - 6
    align = Align.R if rtl else Align.L
    pdf.set_xy(text_x, top)
    for text, size_pt, bold in (
        (t("Verification code: {code}", code=pretty_code(s.code)), 13, True),
        (
            # The command goes on a line of its own: fpdf2's bidi misplaces a leading "/"
            # inside right-to-left text, even isolated.
            _("To check this certificate, scan the code or send this to the bot:"),
            10,
            False,
        ),
        (f"/verify {pretty_code(s.code)}", 10, False),
        (link, 9, False),
        (t("Issued on {date}", date=_day(local_day(s.issued_at))), 11, False),
    ):
        pdf.set_x(text_x)
        pdf.set_font(FAMILY, "B" if bold else "", size_pt)
        pdf.multi_cell(text_w, 7, text, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)


def _qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    matrix = segno.make(data, error="m").matrix
    module = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x + c * module, y + r * module, module, module, style="F")
