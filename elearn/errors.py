"""One error type for the domain, and the API's single error shape: {"code", "detail"}."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A broken business rule. Apps subclass it with their own code, status and message."""

    code = "domain_error"
    status_code = status.HTTP_400_BAD_REQUEST
    default_message = _("This action is not allowed.")

    def __init__(self, message=None, *, code=None):
        self.message = message or self.default_message
        if code:
            self.code = code
        super().__init__(str(self.message))


def api_exception_handler(exc, context):
    """Render every API error as {"code": ..., "detail": ...} with the right HTTP status.

    Validation errors keep DRF's field-level detail (a dict of field -> messages).
    """
    if isinstance(exc, DomainError):
        return Response({"code": exc.code, "detail": str(exc.message)}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        # A model or service rule (full_clean) broken by API input: a 400, not a 500.
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent)):
        # Django's body limits (DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_NUMBER_FIELDS),
        # met while DRF reads the body.
        exc = exceptions.ParseError(_("The request body is too large."))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        detail = exc.detail
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        detail = exc.detail
        if isinstance(detail, dict) and "detail" in detail:
            detail = detail["detail"]
    response.data = {"code": code, "detail": detail}
    return response


# Django's own error pages (a URL that matches no route, a request Django itself refuses, a
# crash) in the API's shape under /api/, so that a client never has to read HTML.

API_PREFIX = "/api/"


def not_found(request, exception):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"code": "not_found", "detail": str(_("Not found."))}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception):
    if request.path.startswith(API_PREFIX):
        detail = str(_("The request could not be understood."))
        return JsonResponse({"code": "bad_request", "detail": detail}, status=400)
    return defaults.bad_request(request, exception)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        detail = str(_("Something went wrong. The error has been logged."))
        return JsonResponse({"code": "server_error", "detail": detail}, status=500)
    return defaults.server_error(request)
