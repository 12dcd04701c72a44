"""The funder report's charts: horizontal bars per row of a breakdown, and lines over months.

Bars, lines and grids are reportlab graphics shapes; their labels are shaped text drawn by the
page (`Document.text`), because reportlab's own strings do not join Arabic letters. As on the
statistics page (`reports.charts`), a suppressed figure draws no bar and no point, and its
label reads "<K" or shows a dash, as in the table under the chart; right to left, the charts
are mirrored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.utils.formats import number_format
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect
from reportlab.lib.colors import Color, HexColor

from certificates.pdf.fitting import Box

from ..charts import Series, nice_ceiling, runs, value_text
from .pages import ACCENT, CENTRE_TO_BASELINE, MUTED, PRIMARY, RULE, WIDTH, Document

COLOURS = {1: PRIMARY, 2: ACCENT, 3: HexColor("#3B7F7A")}
# Enrolments, completions, active participants (render.STYLES). Told apart without colour too
# (a report printed in grey): dark, light, and a dashed line.
DASHES = {1: None, 2: None, 3: [4, 2]}

LABEL = 150  # the rows' names, at the reading side's start
VALUE_ROOM = 46  # after the longest bar, for its label
BAR = 8
LEGEND = 18
TEXT = 8  # points
PLOT_HEIGHT = 130  # of a line chart, whose height is LINE_CHART_HEIGHT
LINE_CHART_HEIGHT = LEGEND + 6 + PLOT_HEIGHT + 18
MARKED_MONTHS = 36  # a line chart of more months has no point drawn on each


def bar_chart_height(labels: int, series: int) -> float:
    """The height of a bar chart of `labels` rows of `series` bars."""
    return LEGEND + labels * _group(series) + 4


def _group(series: int) -> float:
    return series * BAR + (series - 1) * 2 + 9


def bar_chart(
    doc: Document, *, labels: Sequence[str], series: Sequence[Series], k: int, percent: bool = False
) -> None:
    """Horizontal bars under the cursor, one group per label, one bar per series, each with
    its value; kept whole on one page."""
    group = _group(len(series))
    height = bar_chart_height(len(labels), len(series))
    doc.need(height)
    top, origin = doc.y, LABEL + 8
    plot = WIDTH - origin - VALUE_ROOM
    shown = [f.value for s in series for f in s.figures if f.mark is None and f.value]
    scale = plot / (100.0 if percent else max(shown, default=1))
    drawing = Drawing(WIDTH, height)
    _legend(doc, drawing, series, top=top, lines=False)
    y = top - LEGEND  # the top of the next group
    for i, label in enumerate(labels):
        middle = y - (group - 9) / 2
        doc.text(label, doc.box(0, LABEL, y - group + 4, y), y=middle - CENTRE_TO_BASELINE * TEXT,
                 size=TEXT, min_size=6.5, max_lines=2, leading=1.15)  # fmt: skip
        bar_top = y
        for each in series:
            figure = each.figures[i]
            length = (figure.value or 0) * scale if figure.mark is None else 0
            if length:
                left, _right = _across(doc, origin, length)
                drawing.add(Rect(left, bar_top - BAR - (top - height), length, BAR,
                                 fillColor=COLOURS[each.style], strokeColor=None))  # fmt: skip
            value = value_text(figure, k=k, percent=percent)
            doc.text(value, doc.box(origin + length + 3, VALUE_ROOM - 3, bar_top - BAR - 2,
                                    bar_top + 2),
                     y=bar_top - BAR / 2 - CENTRE_TO_BASELINE * 7, size=7, min_size=6,
                     colour=MUTED, rtl=False)  # fmt: skip
            bar_top -= BAR + 2
        y -= group
    axis, _right = _across(doc, origin, 0)
    drawing.add(Line(axis, 2, axis, height - LEGEND + 2, strokeColor=RULE, strokeWidth=0.7))
    doc.drawing(drawing, _page_left(doc), top - height)
    doc.skip(height)


def line_chart(doc: Document, *, labels: Sequence[str], series: Sequence[Series], k: int) -> None:
    """A line per series over `labels` (months) under the cursor, broken where a figure is
    suppressed, with its scale on the reading side's start; kept whole on one page."""
    plot_height, axis, under = PLOT_HEIGHT, 38, 18
    height = LINE_CHART_HEIGHT
    doc.need(height)
    top = doc.y
    drawing = Drawing(WIDTH, height)
    _legend(doc, drawing, series, top=top, lines=True)
    plot_bottom = under  # in the drawing
    shown = [f.value for s in series for f in s.figures if f.mark is None and f.value]
    ceiling = max(1, nice_ceiling(max(shown, default=1)))  # whole numbers: counts
    count = len(labels)

    def x_of(i: int) -> float:
        """From the reading side's start: months run the way the text does."""
        share = 0.5 if count == 1 else i / (count - 1)
        start = axis + 8 + share * (WIDTH - axis - 16)
        return WIDTH - start if doc.rtl else start

    def y_of(value: float) -> float:
        return plot_bottom + value / ceiling * plot_height

    base = top - height  # the drawing's bottom on the page
    for tick in (0, ceiling / 2, ceiling):
        y = y_of(tick)
        left, right = _across(doc, axis, WIDTH - axis)
        drawing.add(Line(left, y, right, y, strokeColor=RULE, strokeWidth=0.5))
        text = number_format(tick, 0 if float(tick).is_integer() else 1, force_grouping=True)
        doc.text(text, doc.box(0, axis - 5, base + y - 6, base + y + 8),
                 y=base + y - CENTRE_TO_BASELINE * 7, size=7, min_size=6, align="end",
                 colour=MUTED, rtl=False)  # fmt: skip
    step = max(1, math.ceil(count / 8))
    half = min(40.0, (WIDTH - axis) / (2 * math.ceil(count / step)))
    column_left = _page_left(doc)
    for i in range(0, count, step):
        # Centred under its point, but inside the column (the first and the last month).
        middle = column_left + x_of(i)
        middle = min(max(middle, column_left + half), column_left + WIDTH - half)
        doc.text(labels[i], Box(middle - half, middle + half, base, base + under),
                 y=base + under - 12, size=7, min_size=6, align="centre",
                 colour=MUTED)  # fmt: skip
    for each in series:
        points = [
            (x_of(i), y_of(f.value)) if f.mark is None and f.value is not None else None
            for i, f in enumerate(each.figures)
        ]
        colour = COLOURS[each.style]
        for run in runs(points):
            if len(run) > 1:
                drawing.add(PolyLine([c for point in run for c in point], strokeColor=colour,
                                     strokeWidth=1.6,
                                     strokeDashArray=DASHES[each.style]))  # fmt: skip
            # A point on each month, unless they are too many to tell apart; one alone always.
            if count <= MARKED_MONTHS or len(run) == 1:
                for x, y in run:
                    drawing.add(Circle(x, y, 2.2, fillColor=colour, strokeColor=None))
    doc.drawing(drawing, _page_left(doc), base)
    doc.skip(height)


def _legend(doc: Document, drawing: Drawing, series: Sequence[Series], *, top: float,
            lines: bool) -> None:  # fmt: skip
    """A swatch (or a stretch of line) and the name of each series, on one line from the
    reading side's start."""
    start, height = 0.0, drawing.height
    for each in series:
        # What does not fit across is shrunk, then cut short, by `fit`.
        name_width = min(doc.width_of(each.name, size=TEXT) + 4, WIDTH - start - 20)
        left, right = _across(doc, start, 16)
        colour: Color = COLOURS[each.style]
        middle = height - LEGEND / 2 + 1
        if lines:
            drawing.add(Line(left, middle, right, middle, strokeColor=colour, strokeWidth=1.6,
                             strokeDashArray=DASHES[each.style]))  # fmt: skip
        else:
            drawing.add(Rect(left + 4, middle - 4, 8, 8, fillColor=colour, strokeColor=None))
        doc.text(each.name, doc.box(start + 20, name_width, top - LEGEND, top),
                 y=top - LEGEND / 2 + 1 - CENTRE_TO_BASELINE * TEXT, size=TEXT,
                 min_size=6.5)  # fmt: skip
        start += 20 + name_width + 14


def _across(doc: Document, start: float, width: float) -> tuple[float, float]:
    """(left, right) in the drawing (which spans the text column) of `width` points from the
    reading side's start."""
    if doc.rtl:
        return WIDTH - start - width, WIDTH - start
    return start, start + width


def _page_left(doc: Document) -> float:
    return doc.span(0, WIDTH)[0]
