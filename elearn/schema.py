"""The OpenAPI schema's error responses: what elearn.errors.api_exception_handler really answers.

`ErrorAutoSchema` (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS) adds to every operation the errors the
framework itself gives there, read from the view and the operation: 400 everywhere (text that
cannot be stored is refused in any path, query or header), 415 for a request body, 404 for a
path parameter or a page, 401 where credentials are read or required, 403 where a permission or
a session's CSRF check can refuse, 429 where the view is throttled. The errors of a domain rule
(a DomainError subclass, such as 409 `already_enrolled`) depend on the service an operation
calls: each view declares them with `extend_schema(responses={..., **domain_errors(...)})`.
"""

from collections import defaultdict

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions
from rest_framework.authentication import SessionAuthentication

from .errors import DomainError
from .permissions import StaffOnly

ERROR = {"$ref": "#/components/schemas/Error"}

_COMPONENTS = {
    "Error": {
        "type": "object",
        "description": "Every error the API answers.",
        "properties": {
            "code": {
                "type": "string",
                "description": "Stable, for programs: `invalid` for input that is not valid, "
                "`not_found`, `permission_denied`, `throttled`..., or a domain rule's code "
                "(`already_enrolled`, `time_up`...).",
            },
            "detail": {"$ref": "#/components/schemas/ErrorDetail"},
        },
        "required": ["code", "detail"],
    },
    "ErrorDetail": {
        "description": "For people: a message; for `invalid`, an object of field -> messages "
        "(a nested field's value is an object of the same shape), or a list of messages.",
        "oneOf": [
            {"type": "string"},
            {"type": "array", "items": {"$ref": "#/components/schemas/ErrorDetail"}},
            {
                "type": "object",
                "additionalProperties": {"$ref": "#/components/schemas/ErrorDetail"},
            },
        ],
    },
}

_INVALID = "The request is not valid: `invalid`, `detail` giving each field's messages"
_INVALID_BODY = "the body (one that cannot be read is `parse_error`)"
_INVALID_QUERY = "a query parameter"
# elearn.middleware.RefuseUnstorableInput, in front of every view.
_INVALID_TEXT = "text that cannot be stored (NUL, a lone surrogate) in the path, query or a header"
_NOT_FOUND = "Not found, or not the caller's to see (`not_found`)."
_NO_PAGE = "No such page (`not_found`)."
_NOT_AUTHENTICATED = (
    "No credentials, or credentials that are not valid (`not_authenticated`, "
    "`authentication_failed`)."
)
_FORBIDDEN = (
    "Not signed in, credentials that are not valid, or not allowed (`not_authenticated`, "
    "`authentication_failed`, `permission_denied`)."
)
_NOT_ALLOWED = "Signed in, but not allowed (`permission_denied`)."
_NO_CSRF = (
    "Signed in with a session, but without the CSRF token (`permission_denied`); a token needs "
    "none."
)
_UNSUPPORTED = "The request body's media type is not accepted (`unsupported_media_type`)."
_THROTTLED = (
    "Too many requests from this client address (`throttled`); try again after `Retry-After` "
    "seconds."
)

# Permissions that never answer 403 to someone signed in (StaffOnly's refusal is a 404): with
# these, 403 needs a domain rule or a session's CSRF check.
_NO_403_WHEN_SIGNED_IN = (
    permissions.AllowAny,
    permissions.IsAuthenticated,
    permissions.IsAuthenticatedOrReadOnly,
    StaffOnly,
)


def domain_errors(*errors: type[DomainError]) -> dict[int, OpenApiResponse]:
    """`extend_schema` responses for the domain rules an operation can break, by HTTP status,
    each described by its codes: `responses={201: S, **domain_errors(CohortFull, ...)}`."""
    codes = defaultdict(list)
    for error in errors:
        codes[error.status_code].append(f"`{error.code}`")
    return {
        status: OpenApiResponse(ERROR, description=f"A rule of the platform: {', '.join(names)}.")
        for status, names in sorted(codes.items())
    }


class ErrorAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus the error responses every operation can give."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for name, schema in _COMPONENTS.items():
            registry.register_on_missing(
                ResolvedComponent(
                    name=name, type=ResolvedComponent.SCHEMA, object=f"elearn.{name}", schema=schema
                )
            )
        responses = operation["responses"]
        for status, description in self._framework_errors(operation).items():
            declared = responses.get(str(status))
            if declared is None:
                responses[str(status)] = {
                    "description": description,
                    "content": {"application/json": {"schema": ERROR}},
                }
            else:  # a domain rule with the same status: both reasons
                declared["description"] = f"{description} {declared['description']}"
        # Not the API's answer but the web server's, before any of it runs: gunicorn refuses a
        # request line longer than its limit (4,094 bytes by default) with an HTML page.
        responses["414"] = {
            "description": "The request line (method, path and query) is longer than the web "
            "server accepts (gunicorn's `--limit-request-line`, 4,094 bytes by default); "
            "answered by the server itself, as HTML.",
            "content": {"text/html": {"schema": {"type": "string"}}},
        }
        if "429" in responses:
            responses["429"]["headers"] = {
                "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
            }
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _framework_errors(self, operation) -> dict[int, str]:
        """The errors DRF answers for this operation before (or around) the view's own code."""
        parameters = operation.get("parameters", [])
        # A page out of range is DRF's paginator's 404, not a 400.
        page_parameters = {p["name"] for p in self._get_pagination_parameters()}
        query = {p["name"] for p in parameters if p["in"] == "query"}
        invalid = [_INVALID_TEXT]
        if query - page_parameters:
            invalid.insert(0, _INVALID_QUERY)
        if "requestBody" in operation:
            invalid.insert(0, _INVALID_BODY)
        errors = {400: f"{_INVALID}: {'; '.join(invalid)}."}
        if "requestBody" in operation:
            errors[415] = _UNSUPPORTED

        view = self.view
        perms = view.get_permissions()
        requires_sign_in = any(not isinstance(p, permissions.AllowAny) for p in perms) and not (
            self.method in permissions.SAFE_METHODS
            and all(isinstance(p, permissions.IsAuthenticatedOrReadOnly) for p in perms)
        )
        authenticators = view.get_authenticators()
        if authenticators or requires_sign_in:
            # Credentials given are checked whatever the permissions. DRF answers 401 only when
            # the first authentication class names a challenge (WWW-Authenticate: the token's
            # does); were it session authentication, which names none, it would be a 403.
            if view.get_authenticate_header(view.request):
                errors[401] = _NOT_AUTHENTICATED
            else:
                errors[403] = _FORBIDDEN
        forbidden = []
        if any(not isinstance(p, _NO_403_WHEN_SIGNED_IN) for p in perms):
            forbidden.append(_NOT_ALLOWED)
        if self.method not in permissions.SAFE_METHODS and any(
            isinstance(a, SessionAuthentication) for a in authenticators
        ):
            forbidden.append(_NO_CSRF)
        if forbidden and 403 not in errors:
            errors[403] = " ".join(forbidden)

        if any(p["in"] == "path" for p in parameters) or any(
            isinstance(p, StaffOnly) for p in perms
        ):
            errors[404] = _NOT_FOUND
        elif query & page_parameters:
            errors[404] = _NO_PAGE
        if view.get_throttles():
            errors[429] = _THROTTLED
        return dict(sorted(errors.items()))
