"""The statistics page for admins (staff): filters, headline figures, then a chart and a table
per breakdown. Anyone else gets a 404, so the page's existence does not leak."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import get_language_bidi, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .charts import Series, bar_chart, line_chart, value_text
from .filters import DIMENSIONS, ReportFilterForm, describe_period
from .queries import ACTIVE, COMPLETIONS, ENROLMENTS, ISSUED, REVOKED
from .statistics import COMPLETION_RATE, FIGURES, MEDIAN_DAYS, Figure, Report, get_report

FIGURE_LABELS = {
    ENROLMENTS: gettext_lazy("Enrolments"),
    ACTIVE: gettext_lazy("Active participants"),
    COMPLETIONS: gettext_lazy("Completions"),
    COMPLETION_RATE: gettext_lazy("Completion rate"),
    MEDIAN_DAYS: gettext_lazy("Median days to complete"),
    ISSUED: gettext_lazy("Certificates issued"),
    REVOKED: gettext_lazy("Certificates revoked"),
}
FIGURE_HELP = {
    ENROLMENTS: gettext_lazy("Enrolments made in the period, whatever became of them since."),
    ACTIVE: gettext_lazy(
        "People who completed a lesson or started a quiz attempt in the period, on a course "
        "they were enrolled in."
    ),
    COMPLETIONS: gettext_lazy("Enrolments completed in the period, whenever they were made."),
    COMPLETION_RATE: gettext_lazy(
        "Of the enrolments made in the period and not withdrawn by its end, the share "
        "completed by its end."
    ),
    MEDIAN_DAYS: gettext_lazy(
        "The median time from enrolment to completion of the completions in the period."
    ),
    ISSUED: gettext_lazy(
        "Certificates issued in the period (a certificate re-issued after a correction counts "
        "at its latest date)."
    ),
    REVOKED: gettext_lazy("Certificates revoked in the period."),
}
HEADINGS = {
    "course": gettext_lazy("By course"),
    "cohort": gettext_lazy("By cohort"),
    "country": gettext_lazy("By country"),
    "region": gettext_lazy("By region"),
    "subregion": gettext_lazy("By sub-region"),
    "organisation_type": gettext_lazy("By organisation type"),
    "month": gettext_lazy("By month"),
}
ROW_HEADERS = {
    "course": gettext_lazy("Course"),
    "cohort": gettext_lazy("Cohort"),
    "country": gettext_lazy("Country"),
    "region": gettext_lazy("Region"),
    "subregion": gettext_lazy("Sub-region"),
    "organisation_type": gettext_lazy("Organisation type"),
    "month": gettext_lazy("Month"),
}
# Bars for at most this many rows; the table beside the chart has them all.
CHART_ROWS = 12


@login_required
@require_GET
def statistics(request):
    if not request.user.is_staff:
        raise Http404
    form = ReportFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "reports/statistics.html", {"form": form}, status=400)
    report = get_report(form.filters())
    k = report.min_cell
    rtl = get_language_bidi()
    context = {
        "form": form,
        "report": report,
        "k": k,
        "headline": [
            {
                "label": FIGURE_LABELS[name],
                "help": FIGURE_HELP[name],
                "cell": _cell(report.totals[name], name, k),
            }
            for name in FIGURES
        ],
        "figure_headings": [FIGURE_LABELS[name] for name in FIGURES],
        "totals": [_cell(report.totals[name], name, k) for name in FIGURES],
        "sections": [_section(report, dimension, k, rtl) for dimension in DIMENSIONS],
        "quizzes": _quizzes(report, k, rtl),
        "scope": _scope(form),
    }
    return render(request, "reports/statistics.html", context)


def _cell(figure: Figure, name: str, k: int) -> dict:
    text = value_text(figure, k=k, percent=name == COMPLETION_RATE)
    return {"text": text, "mark": figure.mark.value if figure.mark else ""}


def _section(report: Report, dimension: str, k: int, rtl: bool) -> dict:
    rows = report.breakdowns[dimension]
    labels = [_month_label(r.key, "F Y") if dimension == "month" else r.label for r in rows]
    # A cohort's course, when there is more than one course to tell apart.
    show_parent = dimension == "cohort" and len({r.parent for r in rows}) > 1
    section = {
        "id": dimension.replace("_", "-"),
        "heading": HEADINGS[dimension],
        "row_header": ROW_HEADERS[dimension],
        "rows": [
            {
                "label": label,
                "parent": row.parent if show_parent else "",
                "cells": [_cell(row.figures[name], name, k) for name in FIGURES],
            }
            for row, label in zip(rows, labels, strict=True)
        ],
    }
    if not rows:
        return section
    title = _("%(breakdown)s: enrolments and completions") % {"breakdown": HEADINGS[dimension]}
    description = _("The same figures are in the table that follows the chart.")
    if dimension == "month":
        names = (ENROLMENTS, ACTIVE, COMPLETIONS)
        section["chart"] = line_chart(
            title=_("%(breakdown)s: enrolments, active participants and completions")
            % {"breakdown": HEADINGS[dimension]},
            description=description,
            labels=[_month_label(r.key, "M Y") for r in rows],
            series=[
                Series(str(FIGURE_LABELS[n]), [r.figures[n] for r in rows], style)
                for style, n in enumerate(names, start=1)
            ],
            k=k,
            rtl=rtl,
        )
        return section
    charted = _largest(rows)
    section["chart"] = bar_chart(
        title=title,
        description=description,
        labels=[r.label for r in charted],
        series=[
            Series(str(FIGURE_LABELS[n]), [r.figures[n] for r in charted], style)
            for style, n in enumerate((ENROLMENTS, COMPLETIONS), start=1)
        ],
        k=k,
        rtl=rtl,
    )
    if len(charted) < len(rows):
        section["chart_note"] = _(
            "The chart shows the %(shown)s rows with the most enrolments; the table has all "
            "%(all)s."
        ) % {"shown": len(charted), "all": len(rows)}
    return section


def _largest(rows):
    """The CHART_ROWS rows with the most enrolments, in the table's order."""
    if len(rows) <= CHART_ROWS:
        return rows
    ranked = sorted(rows, key=lambda r: r.figures[ENROLMENTS].value or 0, reverse=True)
    keep = {id(r) for r in ranked[:CHART_ROWS]}
    return [r for r in rows if id(r) in keep]


def _quizzes(report: Report, k: int, rtl: bool) -> dict:
    rows = [
        {
            "title": q.title,
            "course": q.course_title,
            "cells": [
                value_text(q.attempted, k=k),
                value_text(q.pass_rate, k=k, percent=True),
                value_text(q.mean_best_score, k=k, percent=True),
            ],
            "marks": [
                f.mark.value if f.mark else ""
                for f in (q.attempted, q.pass_rate, q.mean_best_score)
            ],
        }
        for q in report.quizzes
    ]
    chart = None
    if report.quizzes:
        chart = bar_chart(
            title=_("Pass rate per quiz"),
            description=_("The same figures are in the table that follows the chart."),
            labels=[q.title for q in report.quizzes],
            series=[Series(str(_("Pass rate")), [q.pass_rate for q in report.quizzes], 1)],
            k=k,
            rtl=rtl,
            percent=True,
        )
    return {"rows": rows, "chart": chart}


def _month_label(key: str, fmt: str) -> str:
    year, month = map(int, key.split("-"))
    return date_format(datetime.date(year, month, 1), fmt)


def _scope(form: ReportFilterForm) -> list[str]:
    """The filters in words, for the summary."""
    filters = form.filters()
    scope = []
    scope.append(describe_period(filters.date_from, filters.date_to))
    for name in ("course", "cohort", "country", "region", "organisation_type"):
        value = form.cleaned_data.get(name)
        if not value:
            continue
        field = form.fields[name]
        text = str(value) if name in ("course", "cohort") else _choice_label(field, value)
        scope.append(_("%(filter)s: %(value)s") % {"filter": field.label, "value": text})
    return scope


def _choice_label(field, value) -> str:
    for choice, label in field.choices:
        if isinstance(label, (list, tuple)):  # a group of choices
            for inner, inner_label in label:
                if inner == value:
                    return str(inner_label)
        elif choice == value:
            return str(label)
    return value
