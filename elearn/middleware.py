"""Requests refused before a view sees them, and the Content-Security-Policy of responses."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from rest_framework.views import APIView

from .input import find_unstorable_fields, first_unstorable_character, unstorable_message


class RefuseUnstorableInput:
    """Answer 400 to a path, query string, header or page form holding text that must not be
    stored (NUL, lone surrogates, non-characters: elearn.input), whatever the view does with it;
    ignore a cookie holding such text, as if it had not been sent.

    PostgreSQL refuses NUL in text, so a look-up by such a slug, code, session key or token
    would fail with a 500 there while SQLite answers 404. Cookies can carry NUL as an octal
    escape ("\\000"); a browser left with such a cookie must not be refused every page, so it is
    dropped instead. API bodies are checked by the API's parsers (elearn.parsers), which name
    the field inside JSON, so this leaves API views' bodies to them.

    First in MIDDLEWARE: the session and authentication look up cookies and headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, value in list(request.COOKIES.items()):
            if first_unstorable_character(name) or first_unstorable_character(value):
                del request.COOKIES[name]
        for key, value in request.META.items():
            if key.startswith("HTTP_") and key != "HTTP_COOKIE":
                character = first_unstorable_character(value)
                if character is not None:
                    header = key[5:].replace("_", "-").title()
                    errors = {header: [unstorable_message(character)]}
                    return _refuse(request, errors, is_api=_is_api_path(request.path_info))
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        is_api = _is_api_view(view_func)
        character = first_unstorable_character(request.path)
        if character is not None:
            return _refuse(request, {"path": [unstorable_message(character)]}, is_api=is_api)
        errors = find_unstorable_fields(request.GET.lists())
        if errors is None and not is_api and request.method == "POST":
            errors = find_unstorable_fields(request.POST.lists())
        if errors:
            return _refuse(request, errors, is_api=is_api)
        return None


def _is_api_view(view_func) -> bool:
    view_class = getattr(view_func, "cls", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


def _is_api_path(path: str) -> bool:
    try:
        return _is_api_view(resolve(path).func)
    except Resolver404:
        return False


def _refuse(request, errors: dict, *, is_api: bool):
    if is_api:
        # The API's error shape (elearn.errors), as a serializer's validation error gives it.
        return JsonResponse({"code": "invalid", "detail": errors}, status=400)
    reason = _("Part of the request (%(fields)s) holds text that cannot be stored.") % {
        "fields": ", ".join(sorted(errors))
    }
    return render(request, "400.html", {"reason": reason}, status=400)


class ContentSecurityPolicy:
    """Send settings.CONTENT_SECURITY_POLICY with every response that has no policy of its own
    (a view may set another: the API docs page, elearn.api_docs).

    With DEBUG on, error responses go without one: Django's pages for them (the technical 404
    and 500 pages, CSRF failures) style themselves and run scripts inline.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not (settings.DEBUG and response.status_code >= 400):
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
