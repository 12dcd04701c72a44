"""What every kind of export shares: the checked request, the base class, the checks of
parameters and access, and the labels of stored codes in the export's language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from accounts.models import OrganisationType
from certificates.models import CertificateStatus
from courses.models import EnrolmentStatus

from ...filters import ReportFilterForm, ReportFilters
from ...models import ExportFormat, ExportKind
from ...regions import REGIONS, countries_in, region_of, subregion_of
from ..tables import Table


@dataclass(frozen=True)
class Checked:
    """A request a kind accepted: its parameters in canonical form, and a file name stem."""

    parameters: dict
    file_stem: str


def invalid(parameter: str, message: str) -> ValidationError:
    """Bad input, naming the parameter."""
    return ValidationError({parameter: [message]})


def form_errors(errors: Mapping[str, Sequence[str]]) -> ValidationError:
    """A form's errors, by parameter, as bad input."""
    return ValidationError({name: list(messages) for name, messages in errors.items()})


def parse_id(data: Mapping, name: str, *, required: bool = True) -> int | None:
    """An id among the parameters (None if absent and not required); bad input otherwise."""
    value = data.get(name)
    if value in (None, ""):
        if required:
            raise invalid(name, _("This parameter is required."))
        return None
    try:
        number = int(str(value))
    except ValueError:
        raise invalid(name, _("Give a whole number.")) from None
    if not 0 < number < 2**63:
        raise invalid(name, _("Give a whole number."))
    return number


def today() -> str:
    """Today, for file names."""
    return timezone.localdate().isoformat()


def require_staff(user) -> None:
    """Admins only: Http404 for anyone else, as the pages answer."""
    if not (user.is_authenticated and user.is_staff):
        raise Http404("No such export.")


class Kind:
    """A kind of export: who may ask (`check`), how many rows (`count`), and its table; or,
    for a document (`is_document`), its bytes (`document`)."""

    name: str
    # Names, emails or ids of participants; an aggregate kind holds none and is fit for funders.
    personal: bool
    # The parameters it reads; a request naming any other is refused (API) or has it ignored
    # (pages, whose forms carry the page's whole query string).
    parameters: tuple[str, ...]
    # Few rows whatever the data (aggregates): always written at once, never counted first.
    always_small = False
    # The formats it can be written in.
    formats: tuple[str, ...] = (ExportFormat.CSV, ExportFormat.XLSX, ExportFormat.JSON)
    # A document made whole (a PDF), not a table written row by row: always prepared in the
    # background, never sent at once, from `document` instead of `table`; its progress is one
    # row of one.
    is_document = False

    @property
    def label(self) -> str:
        return ExportKind(self.name).label

    def check(self, user, data: Mapping) -> Checked:
        """Who may ask and what they asked for; every kind says (there is no safe default)."""
        raise NotImplementedError(f"the {self.name} export must say who may ask for it")

    def count(self, parameters: dict) -> int:
        """How many rows, cheaply (an upper bound will do)."""
        return 0

    def table(self, user, parameters: dict) -> Table:
        """A table kind's rows; a document kind has none (it has `document` instead)."""
        raise NotImplementedError(f"the {self.name} export is a document, not a table")

    def document(self, user, parameters: dict, *, language: str) -> bytes:
        """A document kind's file, in `language` (the one it was asked in); a table kind has
        none (it has `table` instead)."""
        raise NotImplementedError(f"the {self.name} export is a table, not a document")


class Labels:
    """Labels of codes in the active language, each looked up once per export."""

    def __init__(self):
        self._countries: dict[str, str] = {}
        self._areas: dict[str, tuple[str, str]] = {}
        # Translated once: a lazy label is translated again each time it is read.
        self.organisation_types = {k: str(v) for k, v in OrganisationType.choices}
        self.statuses = {k: str(v) for k, v in EnrolmentStatus.choices}
        self.certificates = {k: str(v) for k, v in CertificateStatus.choices}
        self.self_paced = _("Self-paced")  # the default cohort's name is stored untranslated

    def country(self, code: str) -> str:
        if code not in self._countries:
            self._countries[code] = str(countries.name(code)) if code else ""
        return self._countries[code]

    def areas(self, code: str) -> tuple[str, str]:
        """The names of the country's M49 region and sub-region ("" for none)."""
        if code not in self._areas:
            region, subregion = region_of(code or ""), subregion_of(code or "")
            self._areas[code] = (
                str(region.name) if region else "",
                str(subregion.name) if subregion else "",
            )
        return self._areas[code]

    def every_area(self) -> dict[str, tuple[str, str, str]]:
        """{code: (country, region, sub-region)} of every country a participant may give."""
        codes = {code for code, _name in countries}
        codes |= {code for region in REGIONS for code in countries_in(region.code)}
        return {code: (self.country(code), *self.areas(code)) for code in sorted(codes)}

    def organisation_type(self, value: str) -> str:
        return self.organisation_types.get(value, value)

    def status(self, value: str) -> str:
        return self.statuses.get(value, value)

    def certificate(self, value: str | None) -> str:
        return self.certificates.get(value, "") if value else ""


def report_form(user, data: Mapping, form_class) -> ReportFilterForm:
    """A report's filters checked, for admins only."""
    require_staff(user)
    form = form_class(data)
    if not form.is_valid():
        raise form_errors(form.errors_by_parameter())
    return form


# A report's filters (reports.filters.ReportFilterForm), as query parameters.
FILTERS = ("from", "to", "course", "cohort", "country", "region", "organisation_type")


def report_filters(parameters: dict) -> ReportFilters:
    """The filters of parameters checked before, read again (for the rows, or by a job)."""
    form = ReportFilterForm(parameters)
    if not form.is_valid():  # checked when asked; a course or cohort deleted since
        raise form_errors(form.errors_by_parameter())
    return form.filters()
