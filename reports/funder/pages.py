"""The funder report's pages: A4 portrait, filled from the top down, mirrored right to left.

`Document` is a small page flow. Elements are laid out as they are added (text is fitted in its
box by `certificates.pdf.fitting`, shaped by `certificates.pdf.shaping`, so Arabic joins and
runs right to left and every line stays inside its box) and kept as drawing operations per
page; the canvas is only written at the end, when the number of pages, which every footer
shows, is known. Horizontal positions are given from the reading side's start (`span`), so a
right-to-left report is the mirror image of a left-to-right one.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from certificates.pdf.fitting import Box, Fitted, fit
from certificates.pdf.shaping import ShapedLine, fonts, shape

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 50  # left and right
WIDTH = PAGE_WIDTH - 2 * MARGIN
TOP = PAGE_HEIGHT - 50
BOTTOM = 64  # the content's lowest point; the footer is below
FOOTER = 38  # the footer's baseline

INK = HexColor("#222222")
MUTED = HexColor("#555555")
PRIMARY = HexColor("#1F3A5F")
ACCENT = HexColor("#B08D57")
RULE = HexColor("#C5CDD8")
SHADE = HexColor("#EEF1F5")
STRIPE = HexColor("#F7F8FA")

# Where a line's ink reaches above and below its baseline, in sizes, for laying out blocks of
# any script alike (Arabic letters reach higher and lower than Latin ones).
ASCENT = 1.0
DESCENT = 0.35
# From the middle of a line's box to its baseline, in sizes: letters look centred.
CENTRE_TO_BASELINE = 0.33
# Naskh's letters are small for their size beside Latin ones: right-to-left text is set this
# much larger, so that both read alike (numbers, drawn left to right, are not).
RTL_SCALE = 1.12

Operation = Callable[[Canvas], None]


@dataclass(frozen=True)
class Footer:
    """What every page's footer says: `start` on the reading side's start, `pages(n, of)` on
    its end."""

    start: str
    pages: Callable[[int, int], str]


class Document:
    """Pages being filled: a cursor `y` going down the current page, new pages as needed."""

    def __init__(self, *, rtl: bool) -> None:
        self.rtl = rtl
        self.scale = RTL_SCALE if rtl else 1.0  # of text in the document's direction
        self.pages: list[list[Operation]] = [[]]
        self.y = TOP

    # across -------------------------------------------------------------------------------

    def span(self, start: float, width: float) -> tuple[float, float]:
        """(left, right) on the page of `width` points starting `start` points from the
        reading side's edge of the text column (the left margin, or the right one)."""
        if self.rtl:
            right = PAGE_WIDTH - MARGIN - start
            return right - width, right
        return MARGIN + start, MARGIN + start + width

    def box(self, start: float, width: float, bottom: float, top: float) -> Box:
        left, right = self.span(start, width)
        return Box(left, right, bottom, top)

    # down ---------------------------------------------------------------------------------

    def room(self) -> float:
        return self.y - BOTTOM

    def need(self, height: float) -> None:
        """Start a new page unless `height` points fit under the cursor (or the page is still
        empty: what does not fit on a whole page is not helped by another)."""
        if height > self.room() and self.y < TOP:
            self.new_page()

    def new_page(self) -> None:
        self.pages.append([])
        self.y = TOP

    def skip(self, height: float) -> None:
        self.y -= height

    # drawing ------------------------------------------------------------------------------

    def add(self, operation: Operation) -> None:
        self.pages[-1].append(operation)

    def text(
        self,
        text: str,
        box: Box,
        *,
        y: float,
        size: float,
        min_size: float | None = None,
        align: str = "start",
        bold: bool = False,
        colour: Color = INK,
        rtl: bool | None = None,
        max_lines: int = 1,
        leading: float = 1.25,
    ) -> Fitted:
        """Fit `text` in `box` with its first baseline at `y` (`fitting.fit`: shrunk down to
        `min_size`, wrapped onto up to `max_lines` lines before it shrinks, cut short with
        an ellipsis at worst) and draw it. `align` is "start", "end" or "centre" of the
        reading direction; `rtl` the text's own base direction (the document's unless given:
        numbers are drawn left to right everywhere). Right-to-left text is set RTL_SCALE
        larger."""
        fitted = self.fitted(text, box, y=y, size=size, min_size=min_size, align=align,
                             bold=bold, rtl=rtl, max_lines=max_lines, leading=leading)  # fmt: skip
        self.add(lambda canvas: draw_fitted(canvas, fitted, colour))
        return fitted

    def fitted(
        self,
        text: str,
        box: Box,
        *,
        y: float,
        size: float,
        min_size: float | None = None,
        align: str = "start",
        bold: bool = False,
        rtl: bool | None = None,
        max_lines: int = 1,
        leading: float = 1.25,
    ) -> Fitted:
        """Where `text` goes in `box` (see `text`), without drawing it."""
        text = plain(text)
        rtl = self.rtl if rtl is None else rtl
        min_size = size if min_size is None else min_size
        if rtl:
            size, min_size = size * RTL_SCALE, min_size * RTL_SCALE
        if align == "centre":
            x, anchor = (box.left + box.right) / 2, "c"
        elif (align == "start") != self.rtl:
            x, anchor = box.left, "l"
        else:
            x, anchor = box.right, "r"
        return fit(
            text, box, x=x, y=y, size=size, min_size=min_size, align=anchor, bold=bold, rtl=rtl,
            max_lines=max_lines, leading=leading, wrap_below=size if max_lines > 1 else 0.0,
        )  # fmt: skip

    def paragraph(
        self,
        text: str,
        *,
        size: float,
        start: float = 0,
        width: float = WIDTH,
        bold: bool = False,
        colour: Color = INK,
        align: str = "start",
        after: float = 0,
        max_lines: int = 30,
        leading: float = 1.3,
        keep_with: float = 0,
    ) -> None:
        """Text across the column (or `width` points of it from `start`) under the cursor,
        wrapped as needed, on this page or the next; the cursor moves under it. `keep_with`:
        room wanted under it as well (a heading and the start of what it heads)."""
        left, right = self.span(start, width)
        # Laid out once at y = 0 in a box as tall as need be, then moved to its place.
        measured = self.fitted(text, Box(left, right, -1e5, 1e5), y=0, size=size, align=align,
                               bold=bold, max_lines=max_lines, leading=leading)  # fmt: skip
        if not measured.lines:
            return
        size = measured.size
        top = max(ASCENT * size, measured.lines[0][2].ink[3] * size / 1000)
        bottom = min(measured.lines[-1][1] - DESCENT * size, measured.bottom)
        self.need(top - bottom + keep_with)
        self.place(measured, self.y - top, colour)
        self.y += bottom - top - after

    def place(self, fitted: Fitted, dy: float, colour: Color = INK) -> None:
        """Draw text laid out elsewhere (`fitted`), `dy` points higher."""
        moved = shifted(fitted, dy)
        self.add(lambda canvas: draw_fitted(canvas, moved, colour))

    def width_of(self, text: str, *, size: float, bold: bool = False) -> float:
        """The advance of `text` (in the document's direction) on one line at `size`."""
        line = shape(plain(text), bold=bold, base_rtl=self.rtl)
        return line.advance * size * self.scale / 1000

    def rect(
        self,
        left: float,
        bottom: float,
        width: float,
        height: float,
        *,
        fill: Color | None = None,
        stroke: Color | None = None,
        line_width: float = 0.5,
    ) -> None:
        def draw(canvas: Canvas) -> None:
            if fill is not None:
                canvas.setFillColor(fill)
            if stroke is not None:
                canvas.setStrokeColor(stroke)
                canvas.setLineWidth(line_width)
            canvas.rect(left, bottom, width, height, stroke=int(stroke is not None),
                        fill=int(fill is not None))  # fmt: skip

        self.add(draw)

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        *,
        colour: Color = RULE,
        width: float = 0.5,
    ) -> None:
        def draw(canvas: Canvas) -> None:
            canvas.setStrokeColor(colour)
            canvas.setLineWidth(width)
            canvas.line(x1, y1, x2, y2)

        self.add(draw)

    def drawing(self, drawing: Drawing, x: float, y: float) -> None:
        """A reportlab graphics drawing with its bottom left corner at (x, y)."""
        self.add(lambda canvas: renderPDF.draw(drawing, canvas, x, y))

    # the file -----------------------------------------------------------------------------

    def render(self, *, title: str, author: str, language: str, footer: Footer) -> bytes:
        """Every page with its footer, as PDF bytes."""
        out = io.BytesIO()
        canvas = Canvas(
            out, pagesize=A4, pageCompression=1, invariant=1, lang=language,
            initialFontName=fonts()["serif"].fontName,
        )  # fmt: skip
        canvas.setTitle(title)
        canvas.setAuthor(author)
        canvas.setCreator("elearn")
        count = len(self.pages)
        for number, operations in enumerate(self.pages, start=1):
            for operation in operations:
                canvas.saveState()
                operation(canvas)
                canvas.restoreState()
            self._footer(canvas, footer, number, count)
            canvas.showPage()
        canvas.save()
        return out.getvalue()

    def _footer(self, canvas: Canvas, footer: Footer, number: int, count: int) -> None:
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, FOOTER + 12, PAGE_WIDTH - MARGIN, FOOTER + 12)
        bottom, top = FOOTER - 8, FOOTER + 10
        pages = self.fitted(footer.pages(number, count), self.box(WIDTH - 110, 110, bottom, top),
                            y=FOOTER, size=7.5, min_size=6, align="end")  # fmt: skip
        start = self.fitted(footer.start, self.box(0, WIDTH - 120, bottom, top), y=FOOTER,
                            size=7.5, min_size=6)  # fmt: skip
        draw_fitted(canvas, start, MUTED)
        draw_fitted(canvas, pages, MUTED)


def plain(text) -> str:
    """`text` as a plain str, which HarfBuzz insists on: not a lazy translation, nor Django's
    SafeString (what formatting a date or a number in some languages gives)."""
    return str.__str__(str(text))


def shifted(fitted: Fitted, dy: float) -> Fitted:
    """`fitted` moved `dy` points up."""
    lines = tuple((x, y + dy, line) for x, y, line in fitted.lines)
    return Fitted(fitted.size, lines, fitted.bottom + dy)


def draw_fitted(canvas: Canvas, fitted: Fitted, colour: Color) -> None:
    """Draw fitted lines of shaped text: each piece in its font, glyphs that HarfBuzz raised
    or lowered (stacked marks) at their rise.

    As the certificate's `Layout._draw` does; that one is a method of the certificate's page,
    so the few lines are repeated here rather than reached into.
    """
    size = fitted.size
    canvas.setFillColor(colour)
    for start, y, line in fitted.lines:
        _draw_line(canvas, line, start, y, size)


def _draw_line(canvas: Canvas, line: ShapedLine, start: float, y: float, size: float) -> None:
    for piece in line.pieces:
        canvas.setFont(piece.font.fontName, size)
        text_object = canvas.beginText(start, y)
        raised = 0.0
        for rise, glyphs in piece.stretches:
            if rise != raised:
                text_object.setRise(rise * size / 1000)
                raised = rise
            text_object.textOut(glyphs)
        if raised:
            text_object.setRise(0)  # the rise is text state: it outlives the text object
        canvas.drawText(text_object)
        start += piece.advance * size / 1000
