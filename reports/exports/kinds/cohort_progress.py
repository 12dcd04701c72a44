"""`cohort_progress`: a cohort's progress matrix, one row per participant, as filtered and sorted
on the dashboard (courses.dashboard). The cohort's facilitators and admins. Personal."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from accounts.models import User
from courses import dashboard
from courses.dashboard_views import DashboardFilterForm
from courses.models import Enrolment
from courses.selectors import get_managed_cohort
from courses.selectors.access import CURRENT

from ...models import ExportKind
from ..tables import BOOL, DATETIME, INTEGER, NUMBER, TEXT, Column, Table
from .base import Checked, Kind, Labels, form_errors, parse_id, today


class CohortProgress(Kind):
    name = ExportKind.COHORT_PROGRESS
    personal = True
    parameters = ("cohort", "state", "country", "organisation_type", "q", "sort", "order")

    def check(self, user, data: Mapping) -> Checked:
        cohort = get_managed_cohort(user, parse_id(data, "cohort"))
        form = DashboardFilterForm(
            {name: data[name] for name in self.parameters[1:] if name in data},
            countries_present=[code for code, _name in countries],
        )
        if not form.is_valid():
            raise form_errors(form.errors)
        parameters = {"cohort": cohort.pk}
        parameters.update({name: value for name, value in form.cleaned_data.items() if value})
        stem = f"progress-{slugify(cohort.name) or cohort.pk}-{today()}"
        return Checked(parameters, stem)

    def count(self, parameters: dict) -> int:
        return Enrolment.objects.filter(cohort_id=parameters["cohort"], status__in=CURRENT).count()

    def table(self, user, parameters: dict) -> Table:
        cohort = get_managed_cohort(user, parameters["cohort"])
        progress = dashboard.get_cohort_progress(cohort)
        rows = dashboard.filter_rows(
            progress.rows,
            state=parameters.get("state", ""),
            country=parameters.get("country", ""),
            organisation_type=parameters.get("organisation_type", ""),
            search=parameters.get("q", ""),
        )
        rows = dashboard.sort_rows(
            rows,
            key=parameters.get("sort") or "name",
            descending=parameters.get("order") == "desc",
        )
        modules = progress.outline.modules
        columns = [
            Column("name", _("Name"), TEXT, 28),
            Column("email", _("Email"), TEXT, 30),
            Column("country", _("Country"), TEXT, 18),
            Column("organisation", _("Organisation"), TEXT, 26),
            Column("organisation_type", _("Organisation type"), TEXT, 22),
            Column("status", _("Status"), TEXT, 14),
            Column("at_risk", _("At risk"), BOOL, 9),
            Column("at_risk_reasons", _("Why at risk"), TEXT, 24),
            Column("course_percent", _("Course (%)"), INTEGER, 10),
            Column("enrolled_at", _("Enrolled at (UTC)"), DATETIME, 19),
            Column("completed_at", _("Completed at (UTC)"), DATETIME, 19),
            Column("last_activity_at", _("Last activity (UTC)"), DATETIME, 19),
        ]
        for module in modules:
            required = sum(1 for i in module.items if i.kind == "lesson" and not i.optional)
            columns += [
                Column(
                    f"module_{module.id}_lessons_done",
                    _("%(module)s: lessons done (of %(total)s)")
                    % {"module": module.title, "total": required},
                    INTEGER,
                    16,
                ),
                Column(
                    f"module_{module.id}_complete",
                    _("%(module)s: complete") % {"module": module.title},
                    BOOL,
                    14,
                ),
                Column(
                    f"module_{module.id}_overdue",
                    _("%(module)s: overdue") % {"module": module.title},
                    BOOL,
                    14,
                ),
            ]
            for item in module.items:
                if item.kind == "quiz":
                    columns += [
                        Column(
                            f"quiz_{item.id}_best_score",
                            _("%(quiz)s: best score (%%)") % {"quiz": item.title},
                            NUMBER,
                            14,
                        ),
                        Column(
                            f"quiz_{item.id}_passed",
                            _("%(quiz)s: passed") % {"quiz": item.title},
                            BOOL,
                            12,
                        ),
                    ]
        columns += [
            Column("certificate", _("Certificate"), TEXT, 14),
            Column("certificate_code", _("Certificate code"), TEXT, 21),
        ]
        # Not on the dashboard, which shows no organisation: one query for the rows shown.
        organisations = dict(
            User.objects.filter(pk__in=[row.user_id for row in rows]).values_list(
                "pk", "organisation"
            )
        )
        return Table(columns, _progress_rows(rows, organisations))


REASONS = {
    dashboard.INACTIVE: gettext_lazy("inactive"),
    dashboard.OVERDUE: gettext_lazy("behind a due date"),
}


def _progress_rows(
    rows: Sequence[dashboard.ParticipantRow], organisations: dict[int, str]
) -> Iterator[list]:
    names = Labels()
    for row in rows:
        cells = [
            row.name,
            row.email,
            names.country(row.country),
            organisations.get(row.user_id, ""),
            names.organisation_type(row.organisation_type),
            str(dashboard.STATES[row.state]),
            row.at_risk,
            ", ".join(str(REASONS[reason]) for reason in row.at_risk_reasons),
            row.percent,
            row.enrolled_at,
            row.completed_at,
            row.last_activity_at,
        ]
        for cell in row.modules:
            cells += [cell.lessons_done, cell.complete, cell.overdue]
            for quiz in cell.quizzes:
                cells += [quiz.best_score, quiz.passed]
        cells += [names.certificate(row.certificate_status), row.certificate_code]
        yield cells
