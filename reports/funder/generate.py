"""Generating the funder report: the suppressed report of the filters, in words and as a PDF.

`render_funder_report(filters, language=...)` is the one way to make it: the export jobs call it
(kind "funder_pdf", reports.exports.kinds.funder_pdf), which the funder page and the API ask
for. It only reads: a bounded number of queries (those of `get_report`) and a render whose size
depends on the report's rows (at most every country, every month with data), not on the
enrolments.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_countries import countries

from accounts.models import OrganisationType

from ..filters import ReportFilters, describe_period
from ..regions import get_area
from ..statistics import get_report
from ..views import ROW_HEADERS
from .render import FunderReportData, render_funder_pdf


def render_funder_report(
    filters: ReportFilters, *, language: str, generated_on: datetime.date | None = None
) -> bytes:
    """The funder report of `filters` as PDF bytes, in `language` (one of settings.LANGUAGES):
    the report's figures suppressed as everywhere else, row names and wording in that language,
    the issuing organisation (CERTIFICATE_ISSUER) on the title block. Reads only."""
    codes = [code for code, _name in settings.LANGUAGES]
    if language not in codes:
        raise ValueError(f"unknown language {language!r}; expected one of {codes}")
    generated_on = generated_on or timezone.localdate()
    with translation.override(language):
        # Inside the override: the report names its rows (countries, regions) in the language.
        report = get_report(filters)
        period, described = describe_filters(filters, today=generated_on)
        data = FunderReportData(
            report=report,
            language=language,
            organisation=settings.CERTIFICATE_ISSUER,
            period=period,
            filters=tuple(described),
            generated_on=generated_on,
        )
    return render_funder_pdf(data)


def describe_filters(filters: ReportFilters, *, today: datetime.date) -> tuple[str, list[str]]:
    """The period and the other filters in words, in the active language: ("From 1 March
    2026 to 31 March 2026", ["Country: Kenya"]). An open start reads "the beginning"; an open
    end is `today`, the day it is made (the report counts everything up to then)."""
    if filters.date_from or filters.date_to:
        period = describe_period(filters.date_from, filters.date_to or today)
    else:
        period = describe_period(None, None)
    values = {
        "course": filters.course.title if filters.course else "",
        # A cohort's course, unless the course is a filter of its own.
        "cohort": _cohort(filters) if filters.cohort else "",
        "country": str(countries.name(filters.country)) if filters.country else "",
        "region": str(get_area(filters.region) or filters.region) if filters.region else "",
        "organisation_type": str(OrganisationType(filters.organisation_type).label)
        if filters.organisation_type
        else "",
    }
    described = [
        _("%(filter)s: %(value)s") % {"filter": ROW_HEADERS[name], "value": value}
        for name, value in values.items()
        if value
    ]
    if not described:
        described = [_("Every course, country, region and organisation type.")]
    return period, described


def _cohort(filters: ReportFilters) -> str:
    return filters.cohort.name if filters.course else str(filters.cohort)
