from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from rest_framework.throttling import SimpleRateThrottle

from courses.models import Cohort
from courses.selectors import get_managed_cohort
from courses.services.enrolment import can_close_cohort, close_cohort
from elearn.errors import DomainError

from . import selectors, services
from .models import BatchKind, BatchStatus, Certificate, CertificateBatch, normalise_code


class VerificationThrottle(SimpleRateThrottle):
    """Look-ups of certificate codes per client address (pages and API alike)."""

    scope = "certificate_verify"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def throttled(request) -> bool:
    return not VerificationThrottle().allow_request(request, None)


@require_GET
def verify(request):
    """The form for a code; a code given redirects to its page."""
    code = request.GET.get("code", "").strip()
    if code:
        return redirect("certificate-verify-code", code=normalise_code(code) or "-")
    return render(request, "certificates/verify.html", {})


@require_GET
def verify_code(request, code):
    if throttled(request):
        return HttpResponse(_("Too many look-ups. Please wait a minute."), status=429)
    try:
        certificate = selectors.get_public_certificate(code)
    except Http404:  # the page says so, with the form again
        return render(request, "certificates/verify.html", {"code": code, "unknown": True},
                      status=404)  # fmt: skip
    context = {
        "certificate": certificate,
        "has_credential": selectors.has_live_credential(certificate),
    }
    return render(request, "certificates/verify.html", context)


@login_required  # the email's link, opened signed out: sign in, then back here
@require_GET
def download(request, code):
    """The PDF, for its owner, the cohort's facilitators and admins; 404 for anyone else signed
    in. Signed out, every code alike goes to sign in, so this does not tell which codes exist."""
    return pdf_response(selectors.get_certificate_pdf_for(request.user, code))


def pdf_response(certificate: Certificate) -> FileResponse:
    """The certificate's PDF as a download (the page's and the API's)."""
    return FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=f"certificate-{certificate.code}.pdf",
        content_type="application/pdf",
    )


# Certificates of a whole cohort, for those who manage it (facilitators of the cohort, admins).
# A cohort someone does not manage is a 404 on every page and endpoint, as on the other
# facilitator pages, so its existence does not leak.

COHORT_ACTIONS = {"close", *BatchKind.values}
RECENT_BATCHES = 10
STARTED_MESSAGES = {
    BatchKind.ISSUE: gettext_lazy(
        "Issuing the missing certificates has started. It runs in the background: its progress "
        "shows below."
    ),
    BatchKind.REISSUE: gettext_lazy(
        "Re-issuing the certificates has started. It runs in the background: its progress "
        "shows below."
    ),
    BatchKind.ARCHIVE: gettext_lazy(
        "Building the ZIP has started. It runs in the background: a download link shows below "
        "when it is ready."
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def cohort_certificates(request, cohort_id):
    """The cohort's certificates at a glance, the work on all of them at once (close and issue,
    issue what is missing, re-issue, build a ZIP) and how that work is going."""
    cohort = get_managed_cohort(request.user, cohort_id)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in COHORT_ACTIONS:
            return HttpResponseBadRequest(_("Unknown action."))
        _do_cohort_action(request, cohort, action)
        return redirect("facilitate-cohort-certificates", cohort_id=cohort.pk)

    summary = services.summarise_cohort_certificates(cohort)
    allowed = {kind: selectors.can_start_batch(request.user, cohort, kind) for kind in BatchKind}
    batches = list(cohort.certificate_batches.select_related("requested_by")[:RECENT_BATCHES])
    context = {
        "cohort": cohort,
        "summary": summary,
        "holding": cohort.holds_certificates,
        "can_close": can_close_cohort(request.user, cohort),
        "can_issue": allowed[BatchKind.ISSUE] and summary["missing"] + summary["pending"] > 0,
        "can_reissue": allowed[BatchKind.REISSUE] and summary["issued"] > 0,
        "can_archive": allowed[BatchKind.ARCHIVE] and summary["issued"] > 0,
        "batches": batches,
        "unfinished": any(not batch.is_finished for batch in batches),
    }
    return render(request, "certificates/cohort.html", context)


def _do_cohort_action(request, cohort: Cohort, action: str) -> None:
    """Call the service for a pressed button and say what happened (or why not) in a message."""
    try:
        if action == "close":
            if request.POST.get("confirm") != "yes":
                messages.error(request, _("Tick the box to confirm that enrolment stops."))
            elif close_cohort(cohort, by=request.user):
                messages.success(
                    request,
                    _(
                        "The cohort is closed and enrolment has stopped. Certificates still "
                        "due are being issued in the background: their progress shows below."
                    ),
                )
            else:
                messages.info(request, _("This cohort was already closed."))
            return
        pressed_at = timezone.now()
        batch = services.start_certificate_batch(cohort, kind=action, by=request.user)
    except DomainError as exc:  # NotAllowed: a facilitator asking for an admin's work
        messages.error(request, exc.message)
        return
    if batch.created_at < pressed_at:  # pressed before, or by someone else: the same batch
        messages.info(request, _("This is already under way: its progress shows below."))
    else:
        messages.success(request, STARTED_MESSAGES[action])


def _finished_archive(cohort: Cohort, batch_id: int) -> CertificateBatch:
    batch = (
        CertificateBatch.objects.filter(
            pk=batch_id, cohort=cohort, kind=BatchKind.ARCHIVE, status=BatchStatus.DONE
        )
        .exclude(archive="")
        .first()
    )
    if batch is None:
        raise Http404("No such ZIP.")
    return batch


@login_required
@require_GET
def cohort_certificates_zip(request, cohort_id, batch_id):
    """The ZIP of a cohort's certificates that a finished batch built (the newest is kept)."""
    cohort = get_managed_cohort(request.user, cohort_id)
    batch = _finished_archive(cohort, batch_id)
    try:
        handle = batch.archive.open("rb")
    except OSError:  # deleted since: a newer ZIP replaced it, or storage lost it
        raise Http404("No such ZIP.") from None
    name = slugify(cohort.name) or f"cohort-{cohort.pk}"
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"certificates-{name}.zip",
        content_type="application/zip",
    )


@login_required
@require_GET
@never_cache
def cohort_batch_progress(request, cohort_id, batch_id):
    """How far a batch is, for the page's script (which polls while it runs)."""
    cohort = get_managed_cohort(request.user, cohort_id)
    batch = get_object_or_404(CertificateBatch, pk=batch_id, cohort=cohort)
    failed_text = ""
    if batch.failed:
        failed_text = ngettext("%(counter)s failed", "%(counter)s failed", batch.failed) % {
            "counter": batch.failed
        }
    return JsonResponse(
        {
            "status": batch.status,
            "status_label": batch.get_status_display(),
            "done": batch.done,
            "total": batch.total,
            "failed": batch.failed,
            "percent": batch.percent,
            "finished": batch.is_finished,
            # The page's words for the numbers (the template's messages), in the reader's language.
            "progress_text": _("%(done)s of %(total)s")
            % {"done": batch.done, "total": batch.total},
            "failed_text": failed_text,
        }
    )
