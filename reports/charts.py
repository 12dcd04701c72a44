"""Charts drawn on the server as inline SVG: horizontal bars and lines, nothing from another
host, no script.

Each chart is an <svg role="img"> with a <title> and a <desc>; the data table beside it on the
page is the accessible source of its figures. Suppressed figures draw no bar and no point:
their label says "<K" or shows a dash, as in the table. Right to left, the charts are mirrored:
labels and the value axis start on the right, months run from right to left.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .statistics import Figure
from .suppression import Mark

WIDTH = 360  # about a phone's width, so that text stays readable when it shrinks
PAD = 8
FONT = 13
BAR = 12  # height of one bar
ROOM_FOR_VALUE = 56  # after the longest bar, for its label
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    name: str
    figures: Sequence[Figure]
    style: int  # 1, 2 or 3: the colour (CSS classes chart-1, chart-2, chart-3)


def value_text(figure: Figure, *, k: int, percent: bool = False) -> str:
    """How a figure reads in a chart (and in the table beside it)."""
    if figure.mark is Mark.SMALL:
        return f"<{k}"
    if figure.mark is Mark.HIDDEN or figure.value is None:
        return "\u2013"  # an en dash
    if isinstance(figure.value, float):
        text = number_format(figure.value, 1)
    else:
        text = number_format(figure.value, force_grouping=True)
    return f"{text}%" if percent else text


def _svg(width: int, height: int, title: str, description: str, body: list[str]) -> SafeString:
    n = next(_ids)
    return mark_safe(  # noqa: S308 - every text below is escaped
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="chart-{n}-title chart-{n}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-{n}-title">{escape(title)}</title>'
        f'<desc id="chart-{n}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, *, anchor: str, rtl: bool = False, css: str = "") -> str:
    """Text at (x, y). Its direction is always given: an SVG in a right-to-left page would
    otherwise inherit it, which turns what "start" and "end" mean; numbers are left to right."""
    direction = "rtl" if rtl else "ltr"
    css = f' class="{css}"' if css else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" direction="{direction}"{css}>'
        f"{escape(text)}</text>"
    )


def _legend(series: Sequence[Series], y: float, *, rtl: bool) -> tuple[list[str], float]:
    """Swatches and names on one line (or more when they do not fit)."""
    body, x = [], PAD
    for each in series:
        width = 18 + len(each.name) * FONT * 0.55
        if x + width > WIDTH - PAD and x > PAD:
            x, y = PAD, y + FONT + 6
        left = WIDTH - x - 12 if rtl else x
        body.append(
            f'<rect x="{left:.1f}" y="{y - 10:.1f}" width="12" height="12" '
            f'class="chart-{each.style}"/>'
        )
        if rtl:
            body.append(_text(left - 4, y, each.name, anchor="start", rtl=True))
        else:
            body.append(_text(left + 16, y, each.name, anchor="start"))
        x += width + 12
    return body, y + FONT + 6


def bar_chart(
    *,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    k: int,
    rtl: bool = False,
    percent: bool = False,
) -> SafeString:
    """Horizontal bars, one group per label (its name above its bars), one bar per series."""
    shown = [f.value for s in series for f in s.figures if f.mark is None and f.value]
    top = 100.0 if percent else max(shown, default=1)
    scale = (WIDTH - 2 * PAD - ROOM_FOR_VALUE) / top
    body, y = _legend(series, PAD + FONT, rtl=rtl)
    for i, label in enumerate(labels):
        y += FONT + 2
        if rtl:
            body.append(_text(WIDTH - PAD, y, label, anchor="start", rtl=True, css="chart-label"))
        else:
            body.append(_text(PAD, y, label, anchor="start", css="chart-label"))
        y += 4
        for each in series:
            figure = each.figures[i]
            length = (figure.value or 0) * scale if figure.mark is None else 0
            left = WIDTH - PAD - length if rtl else PAD
            if length:
                body.append(
                    f'<rect x="{left:.1f}" y="{y:.1f}" width="{length:.1f}" height="{BAR}" '
                    f'class="chart-{each.style}"/>'
                )
            end = left - 4 if rtl else left + length + 4
            text = value_text(figure, k=k, percent=percent)
            body.append(
                _text(end, y + BAR - 2, text, anchor="end" if rtl else "start", css="chart-value")
            )
            y += BAR + 3
        y += 6
    return _svg(WIDTH, math.ceil(y + PAD), title, description, body)


def line_chart(
    *,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    k: int,
    rtl: bool = False,
) -> SafeString:
    """A line per series over `labels` (months), broken where a figure is suppressed."""
    body, top_of_plot = _legend(series, PAD + FONT, rtl=rtl)
    height, axis_room, bottom_room = 220, 40, 28
    plot_top, plot_bottom = top_of_plot + 4, height - bottom_room
    plot_left, plot_right = (PAD, WIDTH - axis_room) if rtl else (axis_room, WIDTH - PAD)
    shown = [f.value for s in series for f in s.figures if f.mark is None and f.value]
    top = nice_ceiling(max(shown, default=1))
    count = len(labels)

    def x_of(i: int) -> float:
        share = 0.5 if count == 1 else i / (count - 1)
        if rtl:
            share = 1 - share
        return plot_left + share * (plot_right - plot_left)

    def y_of(value: float) -> float:
        return plot_bottom - value / top * (plot_bottom - plot_top)

    for tick in (0, top / 2, top):
        y = y_of(tick)
        body.append(
            f'<line x1="{plot_left:.1f}" x2="{plot_right:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'class="chart-grid"/>'
        )
        text = number_format(tick, 0 if float(tick).is_integer() else 1, force_grouping=True)
        if rtl:
            body.append(_text(plot_right + 6, y + 4, text, anchor="start", css="chart-value"))
        else:
            body.append(_text(plot_left - 6, y + 4, text, anchor="end", css="chart-value"))
    step = max(1, math.ceil(count / 4))
    for i in range(0, count, step):
        # The first and the last label inside the chart, not across its edge.
        anchor = "middle"
        if count > 1 and i == 0:
            anchor = "end" if rtl else "start"
        elif count > 1 and i == count - 1:
            anchor = "start" if rtl else "end"
        body.append(_text(x_of(i), plot_bottom + 18, labels[i], anchor=anchor, css="chart-value"))
    for each in series:
        points = [
            (x_of(i), y_of(f.value)) if f.mark is None and f.value is not None else None
            for i, f in enumerate(each.figures)
        ]
        for run in runs(points):
            if len(run) > 1:
                path = " ".join(
                    f"{'M' if j == 0 else 'L'}{x:.1f},{y:.1f}" for j, (x, y) in enumerate(run)
                )
                body.append(f'<path d="{path}" class="chart-line chart-line-{each.style}"/>')
            body += [
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="chart-{each.style}"/>'
                for x, y in run
            ]
    return _svg(WIDTH, height, title, description, body)


def runs(points):
    """The unbroken stretches of a line (None breaks it)."""
    run = []
    for point in points:
        if point is None:
            if run:
                yield run
            run = []
        else:
            run.append(point)
    if run:
        yield run


def nice_ceiling(value: float) -> float:
    """1, 2, 2.5 or 5 times a power of ten, at least `value`."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * power:
            return factor * power
    return 10 * power
