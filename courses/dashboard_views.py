"""The cohort dashboard for facilitators and admins: who is where, who is at risk, each
module's funnel, and one participant's activity with their due dates.

A cohort someone does not manage is a 404, as on the other facilitator pages. Everything is
read by courses.dashboard and courses.timeline; due dates change through
courses.services.due_dates.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django_countries import countries

from accounts.models import OrganisationType
from elearn.errors import DomainError

from . import dashboard
from .models import Enrolment, Module
from .outline import get_outline
from .selectors import get_managed_cohort
from .services.due_dates import extend_due_date, remove_due_date_extension
from .timeline import get_participant_timeline

PAGE_SIZE = 50


class DashboardFilterForm(forms.Form):
    """The dashboard's filters and order, read from the query string."""

    state = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Everyone")), *dashboard.STATES.items()],
    )
    country = forms.ChoiceField(label=gettext_lazy("Country"), required=False)
    organisation_type = forms.ChoiceField(
        label=gettext_lazy("Organisation type"),
        required=False,
        choices=[("", gettext_lazy("Any")), *OrganisationType.choices],
    )
    q = forms.CharField(label=gettext_lazy("Name or email"), required=False, max_length=100)
    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in dashboard.SORTS])
    order = forms.ChoiceField(required=False, choices=[("asc", "asc"), ("desc", "desc")])

    def __init__(self, *args, countries_present=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [
            ("", _("Any")),
            *sorted(((code, countries.name(code)) for code in countries_present), key=_by_name),
        ]

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "state": data.get("state", ""),
            "country": data.get("country", ""),
            "organisation_type": data.get("organisation_type", ""),
            "search": data.get("q", ""),
        }

    def ordering(self) -> tuple[str, bool]:
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("sort") or "name", data.get("order") == "desc"


def _by_name(choice):
    return str(choice[1]).casefold()


@login_required
@require_GET
def cohort_dashboard(request, cohort_id):
    cohort = get_managed_cohort(request.user, cohort_id)
    progress = dashboard.get_cohort_progress(cohort)
    present = {row.country for row in progress.rows if row.country}
    form = DashboardFilterForm(request.GET or None, countries_present=present)
    rows = dashboard.filter_rows(progress.rows, **form.filters())
    sort, descending = form.ordering()
    rows = dashboard.sort_rows(rows, key=sort, descending=descending)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in request.GET.items() if k not in ("page", "sort", "order") and v}
    context = {
        "cohort": cohort,
        "progress": progress,
        "form": form,
        "page": page,
        "matching": len(rows),
        "columns": _columns(query, sort, descending),
        "page_query": urlencode({**query, "sort": sort, "order": "desc" if descending else "asc"}),
        "modules": progress.outline.modules,
    }
    return render(request, "courses/facilitate/cohort_dashboard.html", context)


def _columns(query: dict, sort: str, descending: bool) -> dict:
    """For each sortable column: the link that sorts by it (the other way if it is the
    current order) and its aria-sort value."""
    columns = {}
    for key in dashboard.SORTS:
        current = key == sort
        next_order = "asc" if current and descending else ("desc" if current else "asc")
        columns[key] = {
            "url": "?" + urlencode({**query, "sort": key, "order": next_order}),
            "aria_sort": ("descending" if descending else "ascending") if current else None,
        }
    return columns


class ExtensionForm(forms.Form):
    module = forms.IntegerField(widget=forms.HiddenInput)
    due_on = forms.DateField(
        label=gettext_lazy("New due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    action = forms.ChoiceField(choices=[("extend", "extend"), ("remove", "remove")])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "extend" and not cleaned.get("due_on"):
            self.add_error("due_on", _("Choose the new due date."))
        return cleaned


@login_required
@require_http_methods(["GET", "POST"])
def participant_detail(request, cohort_id, enrolment_id):
    cohort = get_managed_cohort(request.user, cohort_id)
    row = dashboard.get_participant_progress(cohort, enrolment_id)
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("course", "cohort"), pk=row.enrolment_id
    )
    error_module, form = None, None
    if request.method == "POST":
        form = ExtensionForm(request.POST)
        if form.is_valid():
            module = get_object_or_404(
                Module, pk=form.cleaned_data["module"], course_id=enrolment.course_id
            )
            try:
                if form.cleaned_data["action"] == "extend":
                    extend_due_date(
                        enrolment, module, due_on=form.cleaned_data["due_on"], by=request.user
                    )
                    messages.success(
                        request,
                        _("The due date of “%(module)s” is now %(date)s for %(name)s.")
                        % {
                            "module": module.title,
                            "date": date_format(form.cleaned_data["due_on"], "DATE_FORMAT"),
                            "name": row.name,
                        },
                    )
                else:
                    remove_due_date_extension(enrolment, module, by=request.user)
                    messages.success(
                        request,
                        _("%(name)s has the cohort's due date for “%(module)s” again.")
                        % {"module": module.title, "name": row.name},
                    )
                return redirect("facilitate-participant", cohort.pk, enrolment.pk)
            except DomainError as error:
                form.add_error("due_on", error.message)
        error_module = form.data.get("module")
    context = {
        "cohort": cohort,
        "row": row,
        "modules": list(zip(get_outline(cohort.course).modules, row.modules, strict=True)),
        "events": get_participant_timeline(enrolment),
        "form": form,
        "error_module": str(error_module) if error_module else None,
        "states": dashboard.STATES,
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "courses/facilitate/participant.html", context, status=status)
