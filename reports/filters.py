"""What a report is about: a date range and any of course, cohort, country, region and
organisation type. Parsed and checked once, here, for the page, the API and exports alike."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.models import OrganisationType
from courses.models import Cohort, Course

from .regions import REGIONS, SUBREGIONS, countries_in

# The breakdowns a report has, in the order the page shows them; also `group_by` in the API.
DIMENSIONS = ("course", "cohort", "country", "region", "subregion", "organisation_type", "month")

EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2099, 12, 31)


@dataclass(frozen=True)
class ReportFilters:
    """A checked report request. Dates are whole days in the site's time zone, both included;
    None is open-ended."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    course: Course | None = None
    cohort: Cohort | None = None
    country: str = ""
    region: str = ""  # an M49 region or sub-region code
    organisation_type: str = ""

    @property
    def start(self) -> datetime.datetime | None:
        """The range's first moment."""
        return _midnight(self.date_from) if self.date_from else None

    @property
    def end(self) -> datetime.datetime | None:
        """The moment after the range (exclusive)."""
        if self.date_to is None:
            return None
        return _midnight(self.date_to + datetime.timedelta(days=1))

    @property
    def region_countries(self) -> list[str] | None:
        return countries_in(self.region) if self.region else None

    def as_query(self) -> dict[str, str]:
        """The filters as query parameters (what the form reads back)."""
        values = {
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "course": self.course.slug if self.course else "",
            "cohort": str(self.cohort.pk) if self.cohort else "",
            "country": self.country,
            "region": self.region,
            "organisation_type": self.organisation_type,
        }
        return {name: value for name, value in values.items() if value}


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class CountryField(forms.ChoiceField):
    """An ISO 3166 code, in either case."""

    def to_python(self, value):
        return super().to_python(value).strip().upper()


def _region_choices():
    regions = [(r.code, r.name) for r in REGIONS]
    subregions = [(s.code, s.name) for s in SUBREGIONS]
    return [("", _("All regions")), (_("Regions"), regions), (_("Sub-regions"), subregions)]


class ReportFilterForm(forms.Form):
    """The filters of a report, from a query string (`from` and `to` are ISO dates)."""

    # The query string says `from` and `to`: a Python keyword cannot name a field.
    PARAMETERS = {"date_from": "from", "date_to": "to"}

    date_from = forms.DateField(
        label=pgettext_lazy("start of a period", "From"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("First day, included. Empty: since the beginning."),
    )
    date_to = forms.DateField(
        label=pgettext_lazy("end of a period", "To"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Last day, included. Empty: until today."),
    )
    course = forms.ModelChoiceField(
        label=_("Course"),
        queryset=Course.objects.order_by("order", "title"),
        to_field_name="slug",
        required=False,
        empty_label=_("All courses"),
    )
    cohort = forms.ModelChoiceField(
        label=_("Cohort"),
        queryset=Cohort.objects.select_related("course").order_by(
            "course__order", "course__title", "-is_default", "starts_on", "name", "id"
        ),
        required=False,
        empty_label=_("All cohorts"),
    )
    country = CountryField(label=_("Country"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    organisation_type = forms.ChoiceField(
        label=_("Organisation type"),
        required=False,
        choices=[("", _("All organisation types")), *OrganisationType.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("All countries")), *countries]
        self.fields["region"].choices = _region_choices()

    def add_prefix(self, field_name):
        return self.PARAMETERS.get(field_name, field_name)

    def clean_date_from(self):
        return _within_bounds(self.cleaned_data["date_from"])

    def clean_date_to(self):
        return _within_bounds(self.cleaned_data["date_to"])

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The last day comes before the first."))
        course, cohort = cleaned.get("course"), cleaned.get("cohort")
        if course and cohort and cohort.course_id != course.pk:
            self.add_error("cohort", _("This cohort is not a run of the chosen course."))
        return cleaned

    def filters(self) -> ReportFilters:
        """The checked filters (call after is_valid())."""
        data = self.cleaned_data
        return ReportFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            course=data["course"],
            cohort=data["cohort"],
            country=data["country"],
            region=data["region"],
            organisation_type=data["organisation_type"],
        )

    def errors_by_parameter(self) -> dict[str, list[str]]:
        """Errors keyed by query parameter (`from`, not `date_from`), for the API."""
        return {
            self.PARAMETERS.get(name, name): list(errors) for name, errors in self.errors.items()
        }


class SummaryParamsForm(ReportFilterForm):
    """The filters, plus the breakdown the API's summary returns."""

    group_by = forms.ChoiceField(
        required=False, choices=[("", "none")] + [(d, d) for d in DIMENSIONS]
    )


def _within_bounds(day: datetime.date | None) -> datetime.date | None:
    if day is not None and not EARLIEST <= day <= LATEST:
        raise forms.ValidationError(
            _("Give a day between %(first)s and %(last)s."),
            params={"first": EARLIEST.isoformat(), "last": LATEST.isoformat()},
        )
    return day


def describe_period(first: datetime.date | None, last: datetime.date | None) -> str:
    """A report's period in words, in the active language: "From 1 March 2026 to 31 March
    2026", "From 1 March 2026", "Until 31 March 2026" or "All time" (one sentence each, as
    languages build them differently)."""
    if first and last:
        return gettext("From %(first)s to %(last)s") % {
            "first": date_format(first, "DATE_FORMAT"),
            "last": date_format(last, "DATE_FORMAT"),
        }
    if first:
        return gettext("From %(first)s") % {"first": date_format(first, "DATE_FORMAT")}
    if last:
        return gettext("Until %(last)s") % {"last": date_format(last, "DATE_FORMAT")}
    return gettext("All time")
