"""Pages for facilitators and admins: the cohorts they manage, and enrolment of many people at
once from a list of addresses (upload, preview, confirm).

A cohort someone does not manage is a 404 on every page, so its existence does not leak.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from elearn.errors import DomainError

from .exceptions import InvalidUpload, UploadAlreadyApplied
from .models import Cohort, EnrolmentUpload
from .selectors import get_managed_cohort, list_managed_cohorts
from .services import bulk


class EnrolmentUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        required=False,
        help_text=gettext_lazy("A spreadsheet saved as “CSV UTF-8”, at most 1 MB."),
        widget=forms.FileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
    )
    addresses = forms.CharField(
        label=gettext_lazy("Or paste the addresses"),
        required=False,
        help_text=gettext_lazy(
            "One address per line; a name may follow the address after a comma."
        ),
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "dir": "ltr",
                "spellcheck": "false",
                "autocapitalize": "off",
                "autocomplete": "off",
            }
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("file") and cleaned.get("addresses"):
            raise ValidationError(_("Choose a file or paste addresses, not both."))
        if not cleaned.get("file") and not cleaned.get("addresses"):
            self.add_error("file", _("Choose a CSV file, or paste the addresses below."))
        return cleaned

    def source(self) -> tuple[str, bytes | str]:
        """The field the list came from, and the list (a file is read up to one byte past the
        limit, so that an oversized file is refused without reading all of it)."""
        file = self.cleaned_data.get("file")
        if file:
            return "file", file.read(bulk.MAX_UPLOAD_BYTES + 1)
        return "addresses", self.cleaned_data["addresses"]


GROUP_LABELS = {
    bulk.ENROL: gettext_lazy("To be enrolled"),
    bulk.MOVE: gettext_lazy("To be moved here from another cohort of the course"),
    bulk.INVITE: gettext_lazy("To be invited by email (no account yet)"),
    bulk.ALREADY: gettext_lazy("Already in this cohort: nothing to do"),
}


@login_required
@require_GET
def cohort_list(request):
    cohorts = list_managed_cohorts(request.user)
    return render(request, "courses/facilitate/cohort_list.html", {"cohorts": cohorts})


@login_required
@require_http_methods(["GET", "POST"])
def enrol_upload(request, cohort_id):
    cohort = get_managed_cohort(request.user, cohort_id)
    if request.method == "POST":
        form = EnrolmentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            field, data = form.source()
            try:
                upload = bulk.preview_enrolment_upload(cohort, data, by=request.user)
            except InvalidUpload as exc:
                form.add_error(field, _problem_messages(exc))
            else:
                return redirect("facilitate-enrol-preview", cohort_id=cohort.pk, token=upload.token)
    else:
        form = EnrolmentUploadForm()
    return render(request, "courses/facilitate/enrol_upload.html", {"cohort": cohort, "form": form})


@login_required
@require_GET
def enrol_preview(request, cohort_id, token):
    cohort = get_managed_cohort(request.user, cohort_id)
    upload = get_object_or_404(EnrolmentUpload, cohort=cohort, token=token)
    upload.cohort = cohort
    preview = bulk.describe_upload(upload)
    groups = [
        {"action": action, "label": GROUP_LABELS[action], "rows": rows}
        for action, rows in preview.groups.items()
        if rows
    ]
    context = {"cohort": cohort, "upload": upload, "preview": preview, "groups": groups}
    return render(request, "courses/facilitate/enrol_preview.html", context)


@login_required
@require_POST
def enrol_confirm(request, cohort_id, token):
    cohort = get_managed_cohort(request.user, cohort_id)
    upload = get_object_or_404(EnrolmentUpload, cohort=cohort, token=token)
    try:
        summary = bulk.apply_enrolment_upload(upload, by=request.user)
    except UploadAlreadyApplied as exc:
        messages.error(request, exc.message)
        return redirect("facilitate-cohorts")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("facilitate-enrol-preview", cohort_id=cohort.pk, token=upload.token)
    messages.success(request, _summary_message(summary, cohort))
    return redirect("facilitate-cohorts")


def _problem_messages(exc: InvalidUpload) -> list[str]:
    lines = [
        _("Line %(line)d: %(problem)s") % {"line": line, "problem": problem}
        if line is not None
        else problem
        for line, problem in exc.problems
    ]
    return [_("Nobody was enrolled. Correct the list and try again:"), *lines]


def _summary_message(summary: bulk.UploadSummary, cohort: Cohort) -> str:
    parts = []
    if summary.enrolled:
        parts.append(
            ngettext("%(count)d person enrolled", "%(count)d people enrolled", summary.enrolled)
            % {"count": summary.enrolled}
        )
    if summary.moved:
        parts.append(
            ngettext(
                "%(count)d moved from another cohort",
                "%(count)d moved from another cohort",
                summary.moved,
            )
            % {"count": summary.moved}
        )
    if summary.invited:
        parts.append(
            ngettext("%(count)d invited by email", "%(count)d invited by email", summary.invited)
            % {"count": summary.invited}
        )
    if summary.invited_before:
        parts.append(
            ngettext(
                "%(count)d invited before (no new email)",
                "%(count)d invited before (no new email)",
                summary.invited_before,
            )
            % {"count": summary.invited_before}
        )
    if summary.already:
        parts.append(
            ngettext(
                "%(count)d already in the cohort",
                "%(count)d already in the cohort",
                summary.already,
            )
            % {"count": summary.already}
        )
    return _("%(cohort)s: %(summary)s.") % {"cohort": cohort.name, "summary": ", ".join(parts)}
