"""`statistics`: a report's suppressed figures (reports.statistics.get_report) by one breakdown,
or per quiz. Admins. Aggregate only: no names, emails or ids, and "<K" stays "<K". Fit for
funders."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...filters import DIMENSIONS, ReportFilterForm
from ...models import ExportKind
from ...statistics import COMPLETION_RATE, FIGURES, Figure, get_report
from ...suppression import Mark
from ...views import ROW_HEADERS
from ..tables import INTEGER, NUMBER, TEXT, Column, Table
from .base import FILTERS, Checked, Kind, report_filters, report_form, require_staff, today

QUIZ = "quiz"  # a breakdown of the statistics export beside DIMENSIONS: per quiz


class StatisticsForm(ReportFilterForm):
    """The filters, and the breakdown the export's rows are (none: the totals alone)."""

    group_by = forms.ChoiceField(
        label=gettext_lazy("Rows"),
        required=False,
        choices=[("", "total"), *((d, d) for d in DIMENSIONS), (QUIZ, QUIZ)],
    )


class Statistics(Kind):
    name = ExportKind.STATISTICS
    personal = False
    parameters = (*FILTERS, "group_by")
    always_small = True

    def check(self, user, data: Mapping) -> Checked:
        form = report_form(user, data, StatisticsForm)
        parameters = form.filters().as_query()
        group_by = form.cleaned_data["group_by"]
        if group_by:
            parameters["group_by"] = group_by
        return Checked(parameters, f"statistics-{group_by or 'total'}-{today()}")

    def table(self, user, parameters: dict) -> Table:
        require_staff(user)
        report = get_report(report_filters(parameters))
        k = report.min_cell
        group_by = parameters.get("group_by", "")
        if group_by == QUIZ:
            columns = [
                Column("quiz", _("Quiz"), TEXT, 32),
                Column("course", _("Course"), TEXT, 32),
                Column("attempted", _("Participants who submitted an attempt"), INTEGER, 16),
                Column("pass_rate", _("Pass rate (%)"), NUMBER, 12),
                Column("mean_best_score", _("Mean best score (%)"), NUMBER, 14),
            ]
            rows = [
                [q.title, q.course_title, *(_figure(f, k) for f in (q.attempted, q.pass_rate,
                                                                    q.mean_best_score))]
                for q in report.quizzes
            ]  # fmt: skip
            return Table(columns, rows)
        columns = [Column("group", str(ROW_HEADERS.get(group_by, _("Total"))), TEXT, 28)]
        if group_by == "cohort":
            columns.append(Column("course", _("Course"), TEXT, 28))
        columns += [Column(name, str(FIGURE_LABELS[name]), NUMBER, 14) for name in FIGURES]
        rows = []
        for row in report.breakdowns[group_by] if group_by else []:
            label = row.key if group_by == "month" else row.label
            rows.append([label, *([row.parent] if group_by == "cohort" else []),
                         *(_figure(row.figures[name], k) for name in FIGURES)])  # fmt: skip
        rows.append([_("All"), *([""] if group_by == "cohort" else []),
                     *(_figure(report.totals[name], k) for name in FIGURES)])  # fmt: skip
        return Table(columns, rows)


FIGURE_LABELS = {
    "enrolments": gettext_lazy("Enrolments"),
    "active_participants": gettext_lazy("Active participants"),
    "completions": gettext_lazy("Completions"),
    COMPLETION_RATE: gettext_lazy("Completion rate (%)"),
    "median_days_to_complete": gettext_lazy("Median days to complete"),
    "certificates_issued": gettext_lazy("Certificates issued"),
    "certificates_revoked": gettext_lazy("Certificates revoked"),
}


HIDDEN_TEXT = "\u2013"  # an en dash: hidden so that a small figure cannot be worked out


def _figure(figure: Figure, k: int):
    """A suppressed figure as the page shows it: "<K" (small), a dash (hidden beside a small
    one); a figure with nothing to measure is empty; any other, its number."""
    if figure.mark is Mark.SMALL:
        return f"<{k}"
    if figure.mark is Mark.HIDDEN:
        return HIDDEN_TEXT
    return figure.value
