"""The certificate page: frame, wording, participant, course, signature block and QR code.

`Layout` turns one `CertificateData` into one landscape page. It decides where everything goes
and in which colour and size: each element has a box it may not leave, between its neighbours,
and `fitting` makes its text fit there. The text itself is shaped by `shaping` and the QR code
drawn by `qr`. Right-to-left certificates (Arabic) mirror the footer: the signature block stays
on the reading side's start.
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

from .fitting import Box, Fitted, fit
from .qr import draw_qr
from .shaping import fonts
from .wording import DEFAULT_WORDING, format_date, format_hours

if TYPE_CHECKING:
    from . import CertificateData

PAPERS = {"A4": landscape(A4), "LETTER": landscape(LETTER)}

# The smallest sizes text is shrunk to before it is wrapped or cut short. The name, the course
# title and the certificate's title: 10 pt, the size of ordinary body text in print, legible to
# anyone at reading distance and no smaller than the wording around them. The other lines are
# small print already (the URL is 7.5 pt): 6 pt, the usual floor for fine print.
_MIN_PROMINENT = 10.0
_MIN_SMALL = 6.0
_INSIDE = 42  # no text box comes closer to the page's edge than this: the inner frame (34) + 8
_MARGIN = 58  # from the page's edge to the QR code and the signature line
_BASE = 66  # the footer's reference height: the code's baseline is 2 above it
_QR_SIZE = 84
# The signature block's reference height, above the footer's: the signatory's title (base + 3)
# then clears the verification code's line (_BASE + 2), so that text extraction and screen
# readers do not join the two into one line (in Arabic that line was read in the wrong order).
_SIGNATURE = _BASE + 9


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
            lang=d.language,  # the catalogue's /Lang: screen readers pick their voice from it
        )
        # What a screen reader or a viewer's title bar announces instead of the file's name.
        c.setTitle(f"{self.words['title']} — {d.participant_name}")
        c.setAuthor(d.issuing_organisation)
        c.setSubject(d.course_title)
        c.setViewerPreference("DisplayDocTitle", "true")
        self.c = c
        with _binary_streams():
            self._frame()
            self._body()
            self._footer()
            c.showPage()
            c.save()
        return out.getvalue()

    # drawing helpers ------------------------------------------------------------------------

    def _text(
        self,
        text: str,
        box: Box,
        *,
        y: float,
        size: float,
        min_size: float = _MIN_SMALL,
        bold: bool = False,
        colour: HexColor | None = None,
        x: float | None = None,
        align: str = "c",
        rtl: bool | None = None,
        max_lines: int = 1,
        leading: float = 1.25,
        wrap_below: float = 0.0,
    ) -> Fitted:
        """Fit one element in its box (`fitting.fit`) and draw it. Returns what was drawn."""
        fitted = fit(
            text, box, x=self.width / 2 if x is None else x, y=y, size=size,
            min_size=min_size, align=align, bold=bold, rtl=self.rtl if rtl is None else rtl,
            max_lines=max_lines, leading=leading, wrap_below=wrap_below,
        )  # fmt: skip
        self._draw(fitted, colour)
        return fitted

    def _draw(self, fitted: Fitted, colour: HexColor | None) -> None:
        c, size = self.c, fitted.size
        for start, y, line in fitted.lines:
            c.setFillColor(colour or self.ink)
            for piece in line.pieces:
                c.setFont(piece.font.fontName, size)
                # What drawString does, less measuring the string: the width is known.
                text_object = c.beginText(start, y)
                stretches = piece.stretches
                if len(stretches) > 1 or stretches[0][0]:
                    self._raised(text_object, stretches, size)
                else:
                    text_object.textLine(stretches[0][1])
                c.drawText(text_object)
                start += piece.advance * size / 1000

    @staticmethod
    def _raised(text_object, stretches: tuple[tuple[float, str], ...], size: float) -> None:
        """Glyphs at several heights (stacked marks): each stretch at its rise, and the rise
        back to 0 afterwards, because it is text state and outlives the text object."""
        raised = 0.0
        for rise, glyphs in stretches[:-1]:
            if rise != raised:
                text_object.setRise(rise * size / 1000)
                raised = rise
            text_object.textOut(glyphs)
        rise, glyphs = stretches[-1]
        if rise != raised:
            text_object.setRise(rise * size / 1000)
        text_object.textLine(glyphs)
        if rise:
            text_object.setRise(0)

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
        """The centre column, top down. Each line has a box between its neighbours (the
        boundaries sit between their ink at the nominal sizes, so ordinary text is drawn
        where and as large as it always was); the course title's lines push the details
        line down."""
        d, w, h, words = self.data, self.width, self.height, self.words
        top = h - 84
        ceiling = h - _INSIDE
        if d.logo_png:
            logo = ImageReader(io.BytesIO(d.logo_png))
            iw, ih = logo.getSize()
            lh = 48
            lw = min(iw * lh / ih, 180)
            self.c.drawImage(logo, w / 2 - lw / 2, top - lh + 24, lw, lh, mask="auto")
            top -= lh - 8
            ceiling = top + 14
        organisation = d.issuing_organisation if self.rtl else d.issuing_organisation.upper()
        self._text(organisation, self._column(w - 160, top - 12, ceiling), y=top, size=11,
                   colour=self.accent)  # fmt: skip
        self._text(words["title"], self._column(w - 160, top - 68, top - 12), y=top - 54,
                   size=36, min_size=_MIN_PROMINENT, bold=True, colour=self.primary)  # fmt: skip
        self._rule(top - 72, 70)
        self._text(words["before_name"], self._column(w - 200, top - 115, top - 75),
                   y=top - 108, size=14, colour=self.muted)  # fmt: skip
        name_y = top - 166
        # Down to the rule's upper edge: the deepest Arabic letters come within a point of it.
        self._text(d.participant_name, self._column(w - 200, name_y - 17.6, top - 115),
                   y=name_y, size=40, min_size=_MIN_PROMINENT, bold=True, max_lines=2,
                   leading=1.15)  # fmt: skip
        self._rule(name_y - 18, 190)
        self._text(words["after_name"], self._column(w - 200, name_y - 60, name_y - 21),
                   y=name_y - 50, size=14, colour=self.muted)  # fmt: skip
        title = self._text(d.course_title, self._column(w - 220, name_y - 126, name_y - 60),
                           y=name_y - 86, size=21, min_size=_MIN_PROMINENT, bold=True,
                           colour=self.primary, max_lines=2, leading=28 / 21,
                           wrap_below=21)  # fmt: skip
        details = [words["date"].format(date=format_date(d.completion_date, d.language))]
        if d.hours is not None:
            hours = format_hours(d.hours, d.language)
            details.append(
                words["hours_one"] if hours == "1" else words["hours"].format(hours=hours)
            )
        if d.cohort_name:
            details.append(words["cohort"].format(cohort=d.cohort_name))
        self._details("   ·   ".join(details), y=title.lines[-1][1] - 36 if title.lines
                      else name_y - 122, ceiling=title.bottom - 3)  # fmt: skip

    def _details(self, text: str, *, y: float, ceiling: float) -> None:
        """The date, hours and cohort line, under the course title. Across the column (shrunk
        if need be, as always) while it stays above the QR code; when it would reach down
        beside the QR code (a logo and a two-line course title on A4, or a course title whose
        marks reach low) it keeps clear of the code instead, down to the signature line, on
        two lines rather than shrunk."""
        w = self.width
        qr_top, qr_side = _BASE + 14 + _QR_SIZE, w - _MARGIN - _QR_SIZE - 6
        box = self._column(w - 220, qr_top + 4, ceiling)
        fitted = fit(text, box, x=w / 2, y=y, size=12.5, min_size=_MIN_SMALL, rtl=self.rtl,
                     max_lines=2, leading=1.3)  # fmt: skip
        if not fitted.lines or fitted.lines[0][1] != y:
            left, right = (w - qr_side, w - 110) if self.rtl else (110, qr_side)
            fitted = fit(text, Box(left, right, _SIGNATURE + 37, ceiling), x=w / 2, y=y, size=12.5,
                         min_size=_MIN_SMALL, rtl=self.rtl, max_lines=2, leading=1.3,
                         wrap_below=12.5)  # fmt: skip
        self._draw(fitted, None)

    def _column(self, width: float, bottom: float, top: float) -> Box:
        return Box(self.width / 2 - width / 2, self.width / 2 + width / 2, bottom, top)

    def _rule(self, y: float, half: float) -> None:
        self.c.setStrokeColor(self.accent)
        self.c.setLineWidth(0.8)
        self.c.line(self.width / 2 - half, y, self.width / 2 + half, y)

    def _footer(self) -> None:
        d, w, base = self.data, self.width, _BASE
        # Signature block on the reading side's start, QR code on the other side.
        sig_x = w - _MARGIN - 110 if self.rtl else _MARGIN + 110
        qr_x = _MARGIN if self.rtl else w - _MARGIN - _QR_SIZE
        self._signature(sig_x)
        draw_qr(self.c, d.verification_url, x=qr_x, y=base + 14, size=_QR_SIZE)
        # Code and URL under the QR code, aligned on its outer edge so they stay in the frame.
        if self.rtl:
            edge, align = qr_x, "l"
            code_across, url_across = (edge, edge + 300), (edge, edge + 320)
        else:
            edge, align = qr_x + _QR_SIZE, "r"
            code_across, url_across = (edge - 300, edge), (edge - 320, edge)
        self._text(f"{self.words['code']}: {d.verification_code}",
                   Box(*code_across, base - 2, base + 12.5), x=edge, y=base + 2, size=9,
                   align=align)  # fmt: skip
        self._text(d.verification_url, Box(*url_across, _INSIDE, base - 2), x=edge, y=base - 9,
                   size=7.5, colour=self.muted, rtl=False, align=align)  # fmt: skip

    def _signature(self, x: float) -> None:
        """The signature line with the signatory's name and title under it, each only when
        given: the title moves up into the name's place when there is no name, and without
        either there is no line to sign on (nothing blank is drawn, so nothing blank is read
        out)."""
        d, base = self.data, _SIGNATURE
        name, title = d.signatory_name.strip(), d.signatory_title.strip()
        if not (name or title):
            return
        self.c.setStrokeColor(self.ink)
        self.c.setLineWidth(0.7)
        self.c.line(x - 110, base + 34, x + 110, base + 34)
        across = x - 110, x + 110
        if not name:
            self._text(title, Box(*across, _INSIDE, base + 32), x=x, y=base + 18, size=10,
                       colour=self.muted, max_lines=2, leading=1.2)  # fmt: skip
            return
        # Between the name and its title: under the lowest Arabic names, over accented capitals.
        between = base + 12.6 if title else _INSIDE
        self._text(name, Box(*across, between, base + 32), x=x, y=base + 18, size=12,
                   bold=True)  # fmt: skip
        if title:
            self._text(title, Box(*across, _INSIDE, between), x=x, y=base + 3, size=10,
                       colour=self.muted, max_lines=2, leading=1.2)  # fmt: skip


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
    process). Both are reportlab internals: tests/certificates/test_reportlab_fences.py checks
    that they still take effect and change nothing but the streams' encoding.
    """
    previous = rl_config.useA85, pdfdoc.PDFZCompress
    rl_config.useA85, pdfdoc.PDFZCompress = 0, _QUICK_FLATE
    try:
        yield
    finally:
        rl_config.useA85, pdfdoc.PDFZCompress = previous
