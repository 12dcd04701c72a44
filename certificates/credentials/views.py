"""Pages and documents of the credentials: the site's DID document, the revocation status
list, the owner's download, and the check of a pasted credential."""

import json

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from .. import selectors
from ..views import throttled
from .keys import did_document
from .status_list import build_status_list_credential
from .verifying import MAX_CREDENTIAL_CHARS, CredentialState, verify_credential

STATUS_LIST_MAX_AGE = 60  # seconds a verifier may keep the list before asking again


def _public(response: HttpResponse) -> HttpResponse:
    """Readable by any verifier's page, from any site (CORS)."""
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe  # GET and HEAD: resolvers and caches ask with either
def did_json(request):
    """/.well-known/did.json: the did:web document listing every key that signed credentials."""
    return _public(
        JsonResponse(did_document(), content_type="application/did+json",
                     json_dumps_params={"indent": 2})
    )  # fmt: skip


@require_safe
def status_list(request):
    """The revocation status list, a signed BitstringStatusListCredential (compact JWS)."""
    jws = build_status_list_credential()
    if jws is None:
        return HttpResponse(_("No digital credentials are issued here."), status=404,
                            content_type="text/plain; charset=utf-8")  # fmt: skip
    response = HttpResponse(jws, content_type="application/vc+jwt")
    response["Cache-Control"] = f"public, max-age={STATUS_LIST_MAX_AGE}"
    return _public(response)


def envelope(jws: str) -> dict:
    """The VCDM 2.0 EnvelopedVerifiableCredential holding a VC-JWT."""
    return {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "id": f"data:application/vc+jwt,{jws}",
        "type": "EnvelopedVerifiableCredential",
    }


def credential_response(credential) -> HttpResponse:
    """The credential as a JSON file to download (the page's and the API's)."""
    response = HttpResponse(
        json.dumps(envelope(credential.jws), indent=2), content_type="application/json"
    )
    name = f"certificate-{credential.certificate.code}-credential.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required  # as the PDF: signed out, every code alike goes to sign in
@require_GET
def download(request, code):
    """The certificate's Open Badges credential, for its owner; 404 for anyone else."""
    return credential_response(selectors.get_credential_for(request.user, code))


class CredentialForm(forms.Form):
    credential = forms.CharField(
        label=gettext_lazy("Digital credential"),
        help_text=gettext_lazy(
            "Paste the content of the credential's JSON file, or the signed credential alone."
        ),
        max_length=MAX_CREDENTIAL_CHARS,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "dir": "ltr"}),
    )


@require_http_methods(["GET", "POST"])
def check(request):
    """Check a pasted credential: valid, revoked, replaced, altered, not ours, or not one."""
    if request.method == "GET":
        return render(request, "certificates/credential_check.html", {"form": CredentialForm()})
    if throttled(request):
        return HttpResponse(_("Too many look-ups. Please wait a minute."), status=429)
    form = CredentialForm(request.POST)
    if not form.is_valid():
        return render(request, "certificates/credential_check.html", {"form": form}, status=400)
    result = verify_credential(form.cleaned_data["credential"])
    context = {
        "form": form,
        "result": result,
        "certificate": result.credential.certificate if result.credential else None,
        "valid": result.state == CredentialState.VALID,
    }
    status = 200 if result.genuine else 422
    return render(request, "certificates/credential_check.html", context, status=status)
