from allauth.account.views import LogoutView as AllauthLogoutView
from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from elearn.errors import DomainError
from elearn.offline import CLEAR_SITE_DATA

from .exceptions import WrongPassword
from .forms import DeleteAccountForm, ProfileForm
from .services import privacy


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile has been saved."))
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_GET
def export_data(request):
    """All of the signed-in person's data, as a JSON file to keep."""
    data = privacy.export_personal_data(request.user)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    # SITE_NAME may hold spaces, quotes or any script: a header wants a plain name.
    filename = (
        f"{slugify(settings.SITE_NAME) or 'elearn'}-my-data-{timezone.localdate():%Y-%m-%d}.json"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not _may_check_password(request):
        form.add_error(
            "password", _("Too many attempts. Wait a minute, then give your password again.")
        )
        return _deletion_page(request, form, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.delete_account(request.user, password=form.cleaned_data["password"])
        except DomainError as error:
            form.add_error("password" if isinstance(error, WrongPassword) else None, error.message)
        else:
            logout(request)
            messages.success(
                request, _("Your account has been deleted. Thank you for learning with us.")
            )
            response = redirect("home")
            # As at sign-out: nothing of theirs stays on the device (docs/offline.md).
            response["Clear-Site-Data"] = CLEAR_SITE_DATA
            return response
    staff = request.user.is_staff or request.user.is_superuser
    return _deletion_page(request, form, status=(403 if staff else 400) if form.errors else 200)


def _may_check_password(request) -> bool:
    """Whether this person's password may be tried once more: the page is a password oracle to
    whoever holds a stolen session, so it counts against allauth's "reauthenticate" limit
    (ACCOUNT_RATE_LIMITS, 10 a minute per account)."""
    return ratelimit.consume(request, action="reauthenticate", user=request.user)


def _deletion_page(request, form, *, status: int):
    staff = request.user.is_staff or request.user.is_superuser
    return render(
        request,
        "accounts/delete_account.html",
        {
            "form": form,
            "staff": staff,
            "export_url": reverse("profile-export"),
        },
        status=status,
    )


@require_GET
def privacy_notice(request):
    return render(
        request,
        "privacy.html",
        {
            "retention_months": settings.ACTIVITY_RETENTION_MONTHS,
            "contact_email": settings.PRIVACY_CONTACT_EMAIL,
            "learning_records_sent": bool(settings.XAPI_LRS_URL),
            "learning_records_by_email": settings.XAPI_ACTOR_EMAIL,
        },
    )


class LogoutView(AllauthLogoutView):
    """allauth's sign-out, which also tells the browser to forget what this site kept on the
    device: the service worker's copies of lessons (docs/offline.md) and cached pages. On a
    shared phone, the next person finds nothing of the last one's reading."""

    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response
