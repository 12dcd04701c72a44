"""`completions`: one row per enrolment of a report (reports.queries.list_report_rows), with its
participant, dates, status and certificate. Admins. Personal. On PostgreSQL, its CSV is also
written by the database (reports.exports.pg_copy)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from django.utils.translation import gettext as _

from ...filters import ReportFilterForm
from ...models import ExportKind
from ...queries import list_report_rows
from .. import pg_copy
from ..tables import DATETIME, INTEGER, TEXT, Column, Table
from .base import FILTERS, Checked, Kind, Labels, report_filters, report_form, require_staff, today

# The enrolment rows, as the database gives them (bench/exports.py copies the same query).
COMPLETION_VALUES = (
    "id", "course__slug", "course__title", "cohort_id", "cohort__name", "cohort__is_default",
    "user_id", "user__full_name", "user__email", "user__country", "user__organisation",
    "user__organisation_type", "enrolled_at", "completed_at", "status", "certificate__code",
    "certificate__status",
)  # fmt: skip
CHUNK_SIZE = 2000  # rows fetched at a time (a server-side cursor on PostgreSQL)


class Completions(Kind):
    name = ExportKind.COMPLETIONS
    personal = True
    parameters = FILTERS

    def check(self, user, data: Mapping) -> Checked:
        form = report_form(user, data, ReportFilterForm)
        return Checked(form.filters().as_query(), f"completions-{today()}")

    def count(self, parameters: dict) -> int:
        return list_report_rows(report_filters(parameters)).count()

    def table(self, user, parameters: dict) -> Table:
        require_staff(user)
        columns = [
            Column("enrolment", _("Enrolment"), INTEGER, 11),
            Column("course", _("Course"), TEXT, 20),
            Column("course_title", _("Course title"), TEXT, 32),
            Column("cohort", _("Cohort"), INTEGER, 9),
            Column("cohort_name", _("Cohort name"), TEXT, 24),
            Column("user", _("Participant"), INTEGER, 11),
            Column("name", _("Name"), TEXT, 28),
            Column("email", _("Email"), TEXT, 30),
            Column("country_code", _("Country code"), TEXT, 8),
            Column("country", _("Country"), TEXT, 18),
            Column("region", _("Region"), TEXT, 14),
            Column("subregion", _("Sub-region"), TEXT, 20),
            Column("organisation", _("Organisation"), TEXT, 26),
            Column("organisation_type", _("Organisation type"), TEXT, 22),
            Column("enrolled_at", _("Enrolled at (UTC)"), DATETIME, 19),
            Column("completed_at", _("Completed at (UTC)"), DATETIME, 19),
            Column("status", _("Status"), TEXT, 11),
            Column("certificate_code", _("Certificate code"), TEXT, 21),
            Column("certificate", _("Certificate"), TEXT, 12),
        ]
        enrolments = list_report_rows(report_filters(parameters))
        names = Labels()
        rows = enrolments.values_list(*COMPLETION_VALUES).iterator(chunk_size=CHUNK_SIZE)
        csv_lines = None
        if pg_copy.is_available(enrolments):
            csv_lines = pg_copy.completion_csv_lines(
                enrolments, self_paced=names.self_paced, areas=names.every_area(),
                organisation_types=names.organisation_types, statuses=names.statuses,
                certificates=names.certificates,
            )  # fmt: skip
        return Table(columns, _completion_rows(rows, names), csv_lines)


def _completion_rows(rows: Iterable[tuple], names: Labels) -> Iterator[tuple]:
    """The plain path (reports.exports.pg_copy writes the same on PostgreSQL, for CSV)."""
    for (pk, course, course_title, cohort, cohort_name, is_default, user, name, email, country,
         organisation, organisation_type, enrolled_at, completed_at, status, code,
         certificate) in rows:  # fmt: skip
        region, subregion = names.areas(country)
        yield (
            pk, course, course_title, cohort, names.self_paced if is_default else cohort_name, user,
            name, email, country, names.country(country), region, subregion, organisation,
            names.organisation_type(organisation_type), enrolled_at, completed_at,
            names.status(status), code, names.certificate(certificate),
        )  # fmt: skip
