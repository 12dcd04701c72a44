"""The funder report's PDF: a pure function from plain data to bytes.

`render_funder_pdf(FunderReportData(...))` draws, on A4 portrait pages: the title block (the
organisation, "Completion report", the period, the filters in words, the day it was generated),
the headline figures, what "<K" and a dash mean, a chart and a table by region (with its
sub-regions), a table by country, a chart and a table by organisation type and by month, a table
by course, and the definitions of the figures; every page has a footer with its number. Every
figure is the report's as `reports.statistics.get_report` suppressed it: a suppressed figure
reads "<K" or a dash, nothing is added up or left out that could give one back.

The fixed wording is translated into `data.language`; the rows' names (countries, regions) are
the report's, so get the report in that language too (`render_funder_report` does). Arabic is
shaped and right to left, and so are the pages: the tables' first column and the charts' labels
on the right. Text is real, extractable text in the certificate's embedded Noto fonts.
"""

from __future__ import annotations

import datetime
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from certificates.pdf.fitting import Fitted

from ..charts import Series, value_text
from ..queries import ACTIVE, COMPLETIONS, ENROLMENTS
from ..regions import region_of_subregion
from ..statistics import COMPLETION_RATE, FIGURES, Figure, Report, Row
from ..views import FIGURE_HELP, FIGURE_LABELS, HEADINGS, ROW_HEADERS
from .charts import LINE_CHART_HEIGHT, bar_chart, bar_chart_height, line_chart
from .pages import (
    ACCENT,
    ASCENT,
    CENTRE_TO_BASELINE,
    INK,
    MUTED,
    PRIMARY,
    SHADE,
    STRIPE,
    TOP,
    WIDTH,
    Document,
    Footer,
    shifted,
)

# The shaping fonts' glyph codes are process state (certificates.pdf.shaping): one render at
# a time in a process, which matters where requests are served by threads.
_RENDERING = threading.Lock()


@dataclass(frozen=True, kw_only=True)
class FunderReportData:
    """Everything the report prints. `period` and `filters` are already in words, in
    `language` (`describe_filters`)."""

    report: Report
    language: str
    organisation: str
    period: str
    filters: tuple[str, ...]
    generated_on: datetime.date

    def __post_init__(self) -> None:
        codes = [code for code, _name in settings.LANGUAGES]
        if self.language not in codes:
            raise ValueError(f"unknown language {self.language!r}; expected one of {codes}")


def render_funder_pdf(data: FunderReportData) -> bytes:
    """The report as PDF bytes. Pure: no I/O besides reading the bundled fonts."""
    with _RENDERING, translation.override(data.language):
        return _FunderReport(data).render()


# Table columns: the rows' names, then one column per figure.
NAME_COLUMN = 131
FIGURE_COLUMN = (WIDTH - NAME_COLUMN) / len(FIGURES)
CELL_PAD = 4
ROW = 14  # a row of one line; two lines make it ROW_2
ROW_2 = 23
TEXT = 8
HIDDEN = "\u2013"  # an en dash, as `value_text` shows a hidden figure
# Each figure in the same colour in every chart (charts.COLOURS).
STYLES = {ENROLMENTS: 1, COMPLETIONS: 2, ACTIVE: 3}


@dataclass(frozen=True)
class _Line:
    """A table row ready to draw."""

    label: str
    cells: tuple[str, ...]
    indent: int = 0
    total: bool = False


class _FunderReport:
    def __init__(self, data: FunderReportData) -> None:
        self.data = data
        self.report = data.report
        self.k = data.report.min_cell
        self.doc = Document(rtl=translation.get_language_bidi())

    def render(self) -> bytes:
        title = _("Completion report")
        self._title_block(title)
        self._headline()
        self._key()
        self._regions()
        self._breakdown("country")
        self._breakdown("organisation_type", chart=True)
        self._months()
        self._breakdown("course")
        # The definitions together on one page, unless they need more than one.
        self.doc.need(self._height_of(self._definitions))
        self._definitions()
        return self.doc.render(
            title=f"{title} — {self.data.period}",
            author=self.data.organisation,
            language=self.data.language,
            footer=Footer(
                f"{self.data.organisation} · {title} · {self.data.period}",
                lambda n, of: _("Page %(page)s of %(pages)s") % {"page": n, "pages": of},
            ),
        )

    # the first page -----------------------------------------------------------------------

    def _title_block(self, title: str) -> None:
        doc, data = self.doc, self.data
        organisation = data.organisation if doc.rtl else data.organisation.upper()
        doc.paragraph(organisation, size=9.5, colour=ACCENT, max_lines=2, after=8)
        doc.paragraph(title, size=24, bold=True, colour=PRIMARY, max_lines=2, after=10)
        rule = doc.span(0, 120)
        doc.line(rule[0], doc.y, rule[1], doc.y, colour=ACCENT, width=1.2)
        doc.skip(14)
        doc.paragraph(data.period, size=12.5, bold=True, max_lines=2, after=5)
        for line in data.filters:
            doc.paragraph(line, size=10, max_lines=3, after=3)
        generated = date_format(data.generated_on, "DATE_FORMAT")
        doc.paragraph(_("Generated on %(date)s") % {"date": generated}, size=9, colour=MUTED,
                      after=18)  # fmt: skip

    def _headline(self) -> None:
        """The totals, four to a row, each a figure over its name."""
        doc, per_row, gap, height = self.doc, 4, 8, 58
        width = (WIDTH - gap * (per_row - 1)) / per_row
        doc.paragraph(_("Headline figures"), size=13, bold=True, colour=PRIMARY, after=8,
                      keep_with=2 * height + gap)  # fmt: skip
        for first in range(0, len(FIGURES), per_row):
            doc.need(height)
            top = doc.y
            for n, name in enumerate(FIGURES[first : first + per_row]):
                left, right = doc.span(n * (width + gap), width)
                doc.rect(left, top - height, right - left, height, fill=SHADE)
                box = doc.box(n * (width + gap) + 8, width - 16, top - 30, top - 4)
                figure = self.report.totals[name]
                doc.text(self._value(figure, name), box, y=top - 25, size=18, min_size=9,
                         bold=True, colour=MUTED if figure.mark else PRIMARY, align="start",
                         rtl=False)  # fmt: skip
                doc.text(str(FIGURE_LABELS[name]),
                         doc.box(n * (width + gap) + 8, width - 16, top - height + 2, top - 32),
                         y=top - 41, size=8, min_size=6.5, max_lines=2, leading=1.2,
                         colour=MUTED)  # fmt: skip
            doc.skip(height + gap)
        doc.skip(6)

    def _key(self) -> None:
        """What the marks of suppressed figures stand for, each mark beside its meaning (never
        inside a sentence, where a right-to-left line would turn "<5" round)."""
        doc, k = self.doc, self.k
        if k <= 1:  # STATISTICS_MIN_CELL=1: no figure is suppressed
            return
        small = _("Computed from fewer than %(k)s participants: not shown, to protect their "
                  "privacy.") % {"k": k}  # fmt: skip
        hidden = _("Hidden as well, so that a small figure cannot be worked out by subtracting "
                   "the others from a total.")  # fmt: skip
        for mark, text in ((f"<{k}", small), (HIDDEN, hidden)):
            doc.need(24)
            top = doc.y
            doc.text(mark, doc.box(0, 26, top - 14, top + 2), y=top - 9, size=9.5, bold=True,
                     align="centre", rtl=False)  # fmt: skip
            doc.paragraph(text, size=8.5, start=32, width=WIDTH - 32, colour=MUTED, after=4)
        doc.skip(14)

    # breakdowns ---------------------------------------------------------------------------

    def _regions(self) -> None:
        """Regions, each followed by its sub-regions; a chart of the regions."""
        regions = self.report.breakdowns["region"]
        subregions = self.report.breakdowns["subregion"]
        self._heading(HEADINGS["region"], keep_with=bar_chart_height(len(regions), 2))
        if not regions:
            self._nothing()
            return
        self._bars(regions)
        lines = []
        for region in regions:
            lines.append(self._line(region.label, region.figures))
            if region.key:  # "other or not stated" has no sub-regions but itself
                lines += [
                    self._line(row.label, row.figures, indent=1)
                    for row in subregions
                    if row.key and region_of_subregion(row.key).code == region.key
                ]
        self._table(str(ROW_HEADERS["region"]), lines)
        self.doc.paragraph(
            _("Sub-regions are indented under their region."), size=7.5, colour=MUTED, after=18
        )

    def _breakdown(self, dimension: str, *, chart: bool = False) -> None:
        rows = self.report.breakdowns[dimension]
        self._heading(HEADINGS[dimension], keep_with=bar_chart_height(len(rows), 2) if chart else 0)
        if not rows:
            self._nothing()
            return
        if chart:
            self._bars(rows)
        lines = [self._line(row.label, row.figures) for row in rows]
        self._table(str(ROW_HEADERS[dimension]), lines)
        self.doc.skip(18)

    def _months(self) -> None:
        rows = self.report.breakdowns["month"]
        self._heading(HEADINGS["month"], keep_with=LINE_CHART_HEIGHT)
        if not rows:
            self._nothing()
            return
        series = _series(rows, (ENROLMENTS, ACTIVE, COMPLETIONS))
        if _chartable(series):
            labels = [_month(row.key, "M Y") for row in rows]
            line_chart(self.doc, labels=labels, series=series, k=self.k)
            self.doc.skip(10)
        else:
            self._nothing_to_chart()
        lines = [self._line(_month(row.key, "F Y"), row.figures) for row in rows]
        self._table(str(ROW_HEADERS["month"]), lines)
        self.doc.skip(18)

    def _bars(self, rows: list[Row]) -> None:
        series = _series(rows, (ENROLMENTS, COMPLETIONS))
        if not _chartable(series):
            self._nothing_to_chart()
            return
        bar_chart(self.doc, labels=[row.label for row in rows], series=series, k=self.k)
        self.doc.skip(10)

    def _nothing_to_chart(self) -> None:
        """Rather than a chart of empty bars (where a small figure made every other one of a
        breakdown hidden too)."""
        self.doc.paragraph(
            _("No chart: every figure it would show is suppressed. The table shows what can "
              "be shown."),
            size=8.5, colour=MUTED, after=10,
        )  # fmt: skip

    def _heading(self, text, *, keep_with: float = 0) -> None:
        """A section's heading, on the page of what follows it: its chart, or at least the
        head and first rows of its table."""
        self.doc.paragraph(str(text), size=13, bold=True, colour=PRIMARY, after=8,
                           keep_with=max(keep_with, 90))  # fmt: skip

    def _nothing(self) -> None:
        self.doc.paragraph(_("No enrolment matches these filters."), size=9.5, after=18)

    # tables -------------------------------------------------------------------------------

    def _value(self, figure: Figure, name: str) -> str:
        return value_text(figure, k=self.k, percent=name == COMPLETION_RATE)

    def _line(self, label: str, figures: dict[str, Figure], *, indent: int = 0) -> _Line:
        return _Line(label, tuple(self._value(figures[name], name) for name in FIGURES), indent)

    def _table(self, name_header: str, lines: list[_Line]) -> None:
        """A table of the rows and the total ("All"), its head repeated on every page it
        runs onto."""
        doc = self.doc
        total = _Line(_("All"), tuple(self._value(self.report.totals[n], n) for n in FIGURES),
                      total=True)  # fmt: skip
        heads = self._head(name_header)
        head = 5 + max(f.lines[0][1] + ASCENT * f.size for f in heads if f.lines) + 2
        doc.need(head + 3 * ROW * doc.scale)
        self._draw_head(heads, head)
        for n, line in enumerate([*lines, total]):
            height = self._row_height(line)
            if height > doc.room():
                doc.new_page()
                self._draw_head(heads, head)
            self._row(line, height, shaded=n % 2 == 1)

    def _headers(self, name_header: str) -> list[tuple[str, float, float, str]]:
        """(text, start, width, alignment) of each column's head."""
        columns = [(name_header, 0.0, NAME_COLUMN, "start")]
        for i, name in enumerate(FIGURES):
            start = NAME_COLUMN + i * FIGURE_COLUMN
            columns.append((str(FIGURE_LABELS[name]), start, FIGURE_COLUMN, "end"))
        return columns

    def _head(self, name_header: str) -> list[Fitted]:
        """Each column's head laid out with its last baseline at y = 0, on up to 4 lines."""
        heads = []
        for text, start, width, align in self._headers(name_header):
            box = self.doc.box(start + CELL_PAD, width - 2 * CELL_PAD, -1e5, 1e5)
            fitted = self.doc.fitted(text, box, y=0, size=7, min_size=6, bold=True, max_lines=4,
                                     leading=1.15, align=align)  # fmt: skip
            heads.append(shifted(fitted, -fitted.lines[-1][1]) if fitted.lines else fitted)
        return heads

    def _draw_head(self, heads: list[Fitted], height: float) -> None:
        """The heads standing on the rule under them, however many lines each has."""
        doc = self.doc
        bottom = doc.y - height
        for fitted in heads:
            doc.place(fitted, bottom + 5, MUTED)
        left, right = doc.span(0, WIDTH)
        doc.line(left, bottom, right, bottom, colour=PRIMARY, width=0.8)
        doc.skip(height)

    def _row_height(self, line: _Line) -> float:
        """One line's height, or two when the name does not fit on one line."""
        width = NAME_COLUMN - 2 * CELL_PAD - 10 * line.indent
        one = self.doc.width_of(line.label, size=TEXT, bold=line.total) <= width
        return (ROW if one else ROW_2) * self.doc.scale

    def _row(self, line: _Line, height: float, *, shaded: bool) -> None:
        doc = self.doc
        top, bottom = doc.y, doc.y - height
        left, right = doc.span(0, WIDTH)
        if line.total:
            doc.rect(left, bottom, right - left, height, fill=SHADE)
            doc.line(left, top, right, top, colour=PRIMARY, width=0.8)
        elif shaded:
            doc.rect(left, bottom, right - left, height, fill=STRIPE)
        middle = (top + bottom) / 2
        indent = 10 * line.indent
        two = height > ROW * doc.scale
        label_box = doc.box(CELL_PAD + indent, NAME_COLUMN - 2 * CELL_PAD - indent, bottom + 1,
                            top - 1)  # fmt: skip
        size = TEXT * doc.scale
        first = middle + (size * 1.1 / 2 if two else 0) - CENTRE_TO_BASELINE * size
        doc.text(line.label, label_box, y=first, size=TEXT, min_size=6.5 if two else 7,
                 bold=line.total, max_lines=2 if two else 1, leading=1.1,
                 colour=MUTED if line.indent else INK)  # fmt: skip
        for i, text in enumerate(line.cells):
            start = NAME_COLUMN + i * FIGURE_COLUMN
            box = doc.box(start + CELL_PAD, FIGURE_COLUMN - 2 * CELL_PAD, bottom + 1, top - 1)
            suppressed = text.startswith("<") or text == HIDDEN
            doc.text(text, box, y=middle - CENTRE_TO_BASELINE * TEXT, size=TEXT, min_size=6,
                     bold=line.total, align="end", rtl=False,
                     colour=MUTED if suppressed else INK)  # fmt: skip
        doc.skip(height)

    def _height_of(self, layout: Callable[[], None]) -> float:
        """How far down `layout` would take the cursor from the top of a page (infinite if it
        would run onto another page)."""
        doc, self.doc = self.doc, Document(rtl=self.doc.rtl)
        try:
            layout()
            return TOP - self.doc.y if len(self.doc.pages) == 1 else math.inf
        finally:
            self.doc = doc

    # the end ------------------------------------------------------------------------------

    def _definitions(self) -> None:
        doc = self.doc
        self._heading(_("How these figures are counted"))
        doc.paragraph(
            _("The period is whole days in UTC, both included. Counts are of enrolments: "
              "someone enrolled in two courses counts in each. Active participants are people, "
              "counted once in each row they belong to, so rows can add up to more than the "
              "total."),
            size=9, after=8,
        )  # fmt: skip
        for name in FIGURES:
            doc.paragraph(str(FIGURE_LABELS[name]), size=9, bold=True, after=1, keep_with=14)
            doc.paragraph(str(FIGURE_HELP[name]), size=9, start=12, width=WIDTH - 12, after=6)
        doc.paragraph(
            _("Regions and sub-regions are the United Nations' (M49), from the participant's "
              "country."),
            size=9, after=8,
        )  # fmt: skip
        if self.k > 1:
            doc.paragraph(_("Small figures"), size=9, bold=True, after=3, keep_with=50)
            self._key()


def _series(rows: list[Row], names: tuple[str, ...]) -> list[Series]:
    return [
        Series(str(FIGURE_LABELS[name]), [row.figures[name] for row in rows], STYLES[name])
        for name in names
    ]


def _chartable(series: list[Series]) -> bool:
    """Whether a chart of `series` would draw anything: a figure shown and not zero."""
    return any(f.mark is None and f.value for each in series for f in each.figures)


def _month(key: str, fmt: str) -> str:
    year, month = map(int, key.split("-"))
    return date_format(datetime.date(year, month, 1), fmt)
