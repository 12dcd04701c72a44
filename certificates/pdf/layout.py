"""The certificate page: frame, wording, participant, course, signature block and QR code.

`Layout` turns one `CertificateData` into one landscape page. It decides where everything goes
and in which colour and size; the text itself is shaped by `shaping` and the QR code drawn by
`qr`. Right-to-left certificates (Arabic) mirror the footer: the signature block stays on the
reading side's start.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from reportlab import rl_config
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

from .qr import draw_qr
from .shaping import fonts, shape
from .wording import DEFAULT_WORDING, format_date, format_hours

if TYPE_CHECKING:
    from . import CertificateData

PAPERS = {"A4": landscape(A4), "LETTER": landscape(LETTER)}


class Layout:
    """Draws one certificate on a fresh canvas; `render()` returns the PDF bytes."""

    def __init__(self, data: CertificateData) -> None:
        self.data = data
        self.rtl = data.language == "ar"
        self.words = {**DEFAULT_WORDING[data.language], **data.wording}
        self.width, self.height = PAPERS[data.paper]
        self.primary = HexColor(data.primary_colour)
        self.accent = HexColor(data.accent_colour)
        self.ink = HexColor("#222222")
        self.muted = HexColor("#555555")

    def render(self) -> bytes:
        out = io.BytesIO()
        d = self.data
        c = Canvas(
            out,
            pagesize=(self.width, self.height),
            pageCompression=1,
            invariant=1,
            initialFontName=fonts()["serif"].fontName,
        )
        c.setTitle(f"{self.words['title']} — {d.participant_name}")
        c.setAuthor(d.issuing_organisation)
        c.setSubject(d.course_title)
        self.c = c
        with _binary_streams():
            self._frame()
            self._body()
            self._footer()
            c.showPage()
            c.save()
        return out.getvalue()

    # drawing helpers ------------------------------------------------------------------------

    def _line(
        self, text, *, y, size, bold=False, colour=None, max_width=None, x=None, align="c", rtl=None
    ):
        """Draw one line centred (or aligned at x); shrink it to max_width. Returns the size."""
        pieces = shape(text, bold=bold, base_rtl=self.rtl if rtl is None else rtl)
        width = sum(p.advance * size / 1000 for p in pieces)
        if max_width and width > max_width:
            size = size * max_width / width
            width = sum(p.advance * size / 1000 for p in pieces)
        if x is None:
            x = self.width / 2
        start = {"c": x - width / 2, "l": x, "r": x - width}[align]
        c = self.c
        c.setFillColor(colour or self.ink)
        for piece in pieces:
            c.setFont(piece.font.fontName, size)
            # What drawString does, less measuring the string: the width is known.
            text_object = c.beginText(start, y)
            text_object.textLine(piece.text)
            c.drawText(text_object)
            start += piece.advance * size / 1000
        return size

    def _wrap(self, text: str, *, size: float, bold: bool, max_width: float) -> list[str]:
        words, lines, current = text.split(), [], ""
        for word in words:
            trial = f"{current} {word}".strip()
            pieces = shape(trial, bold=bold, base_rtl=self.rtl)
            if current and sum(p.advance * size / 1000 for p in pieces) > max_width:
                lines.append(current)
                current = word
            else:
                current = trial
        if current:
            lines.append(current)
        return lines

    # page parts -----------------------------------------------------------------------------

    def _frame(self) -> None:
        c, w, h = self.c, self.width, self.height
        c.setStrokeColor(self.primary)
        c.setLineWidth(6)
        c.rect(18, 18, w - 36, h - 36)
        c.setStrokeColor(self.accent)
        c.setLineWidth(1.2)
        c.rect(30, 30, w - 60, h - 60)
        c.setLineWidth(0.5)
        c.rect(34, 34, w - 68, h - 68)
        # Small diamonds at the corners of the inner frame.
        c.setFillColor(self.accent)
        for x, y in ((32, 32), (w - 32, 32), (32, h - 32), (w - 32, h - 32)):
            p = c.beginPath()
            p.moveTo(x, y - 6)
            p.lineTo(x + 6, y)
            p.lineTo(x, y + 6)
            p.lineTo(x - 6, y)
            p.close()
            c.drawPath(p, stroke=0, fill=1)

    def _body(self) -> None:
        d, w, h, words = self.data, self.width, self.height, self.words
        top = h - 84
        if d.logo_png:
            logo = ImageReader(io.BytesIO(d.logo_png))
            iw, ih = logo.getSize()
            lh = 48
            lw = min(iw * lh / ih, 180)
            self.c.drawImage(logo, w / 2 - lw / 2, top - lh + 24, lw, lh, mask="auto")
            top -= lh - 8
        organisation = d.issuing_organisation if self.rtl else d.issuing_organisation.upper()
        self._line(organisation, y=top, size=11, colour=self.accent, max_width=w - 160)
        self._line(words["title"], y=top - 54, size=36, bold=True, colour=self.primary)
        self._rule(top - 72, 70)
        self._line(words["before_name"], y=top - 108, size=14, colour=self.muted)
        name_y = top - 166
        self._line(d.participant_name, y=name_y, size=40, bold=True, max_width=w - 200)
        self._rule(name_y - 18, 190)
        self._line(words["after_name"], y=name_y - 50, size=14, colour=self.muted)
        title_lines = self._wrap(d.course_title, size=21, bold=True, max_width=w - 220)[:2]
        y = name_y - 86
        for line in title_lines:
            self._line(line, y=y, size=21, bold=True, colour=self.primary, max_width=w - 200)
            y -= 28
        details = [words["date"].format(date=format_date(d.completion_date, d.language))]
        if d.hours is not None:
            hours = format_hours(d.hours, d.language)
            details.append(
                words["hours_one"] if hours == "1" else words["hours"].format(hours=hours)
            )
        if d.cohort_name:
            details.append(words["cohort"].format(cohort=d.cohort_name))
        self._line("   ·   ".join(details), y=y - 8, size=12.5, max_width=w - 220)

    def _rule(self, y: float, half: float) -> None:
        self.c.setStrokeColor(self.accent)
        self.c.setLineWidth(0.8)
        self.c.line(self.width / 2 - half, y, self.width / 2 + half, y)

    def _footer(self) -> None:
        d, w = self.data, self.width
        qr_size = 84
        margin = 58
        # Signature block on the reading side's start, QR code on the other side.
        sig_x = w - margin - 110 if self.rtl else margin + 110
        qr_x = margin if self.rtl else w - margin - qr_size
        base = 66
        self.c.setStrokeColor(self.ink)
        self.c.setLineWidth(0.7)
        self.c.line(sig_x - 110, base + 34, sig_x + 110, base + 34)
        self._line(d.signatory_name, x=sig_x, y=base + 18, size=12, bold=True, max_width=220)
        self._line(d.signatory_title, x=sig_x, y=base + 3, size=10, colour=self.muted,
                   max_width=220)  # fmt: skip
        draw_qr(self.c, d.verification_url, x=qr_x, y=base + 14, size=qr_size)
        # Code and URL under the QR code, aligned on its outer edge so they stay in the frame.
        edge, align = (qr_x, "l") if self.rtl else (qr_x + qr_size, "r")
        self._line(f"{self.words['code']}: {d.verification_code}", x=edge, y=base + 2, size=9,
                   align=align, max_width=300)  # fmt: skip
        self._line(d.verification_url, x=edge, y=base - 9, size=7.5, colour=self.muted, rtl=False,
                   align=align, max_width=320)  # fmt: skip


class _QuickFlate(pdfdoc.PDFStreamFilterZCompress):
    """Deflate at zlib's fastest level: a fifth faster to render than the default level,
    for files 5% larger (a certificate is deflated once and downloaded a few times)."""

    def encode(self, text):
        return zlib.compress(text.encode("utf8") if isinstance(text, str) else text, 1)


_QUICK_FLATE = _QuickFlate()


@contextmanager
def _binary_streams() -> Iterator[None]:
    """Write streams deflated quickly and not ASCII85-encoded while the document is drawn and
    saved.

    reportlab encodes compressed streams in ASCII85 by default (rl_config.useA85), which makes
    them 25% larger and, without reportlab's optional C accelerator, costs a few milliseconds
    per certificate. PDF has not needed 7-bit streams for decades. Its deflate filter is a
    module-level object (pdfdoc.PDFZCompress) at zlib's default level; `_QuickFlate` takes its
    place. The window covers drawing too because a logo's image stream is encoded when it is
    drawn, the page stream and fonts only when the document is saved. Both settings are
    process-wide, so they are restored afterwards (the renderer runs on one thread per
    process).
    """
    previous = rl_config.useA85, pdfdoc.PDFZCompress
    rl_config.useA85, pdfdoc.PDFZCompress = 0, _QUICK_FLATE
    try:
        yield
    finally:
        rl_config.useA85, pdfdoc.PDFZCompress = previous
