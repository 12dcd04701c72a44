from allauth.account.views import LogoutView as AllauthLogoutView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from elearn.offline import CLEAR_SITE_DATA

from .forms import ProfileForm


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile has been saved."))
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})


class LogoutView(AllauthLogoutView):
    """allauth's sign-out, which also tells the browser to forget what this site kept on the
    device: the service worker's copies of lessons (docs/offline.md) and cached pages. On a
    shared phone, the next person finds nothing of the last one's reading."""

    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response
