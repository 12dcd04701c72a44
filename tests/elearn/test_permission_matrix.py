"""Who may reach what: every page under /facilitate/, /reports/ and /lti/ and every API operation
with a cohort's or participants' data, for each kind of visitor, as one table (MATRIX).

The rule: an anonymous visitor is sent to sign in (pages) or refused with 401 and the token's
challenge (the API); someone signed in for whom the data is out of reach is told "not found"
(404), so that its existence does not leak; anyone else gets the page or the answer. A refused
request changes nothing and shows nothing of the participant.

The table must name every such page and operation: a new one without a row fails
test_the_matrix_covers_every_page_and_operation, and so does a row left for one that is gone.
"""

import io
import re
import zipfile
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from lti_tool.models import LtiRegistration, LtiUser
from rest_framework.test import APIClient

from certificates.models import (
    BatchKind,
    BatchStatus,
    Certificate,
    CertificateBatch,
    CertificateStatus,
    Credential,
)
from courses.models import (
    Cohort,
    CohortMessage,
    DueDateExtension,
    Enrolment,
    EnrolmentUpload,
    Invitation,
    MessageAudience,
    MessageDelivery,
)
from courses.services.bulk import preview_enrolment_upload
from courses.services.messages import send_cohort_message
from courses.services.progress import record_lesson_completion
from lti.models import CohortLink
from quizzes.models import Quiz
from quizzes.services import start_attempt, submit_attempt
from reports.exports.jobs import request_export, run_export
from reports.models import ExportJob, ExportStatus
from tests.factories import enrol_user, make_cohort, make_course, make_facilitator_user, make_user

ROLES = (
    "anonymous",
    "participant_here",  # enrolled in the cohort
    "participant_elsewhere",  # enrolled in a cohort of another course
    "facilitator_here",  # facilitates the cohort
    "facilitator_elsewhere",  # facilitates the other course's cohort
    "staff",  # an admin, who asked for the export job
    "other_staff",  # another admin (a superuser): the export job is not theirs
)
PARTICIPANT_EMAIL = "participant.here@example.org"

IN = "sign in"  # 302 to the sign-in page, coming back here


class Row(NamedTuple):
    """What each role gets, in ROLES' order; `query` and `body` are formatted with the
    scenario's ids (PARAMETERS' names)."""

    anonymous: int | str
    participant_here: int
    participant_elsewhere: int
    facilitator_here: int
    facilitator_elsewhere: int
    staff: int
    other_staff: int
    query: str = ""
    body: dict | None = None


# What each path parameter names in the scenario.
PARAMETERS = {
    "cohort_id": "the cohort",
    "enrolment_id": "the participant's enrolment",
    "message_id": "the message sent to the cohort",
    "token": "a facilitator's enrolment upload, not applied",
    "batch_id": "a finished ZIP of the cohort's certificates",
    "quiz_id": "the course's quiz",
    "id": "the course's quiz",  # /api/v1/quizzes/{id}/statistics/
    "job_id": "the staff member's finished export",
    "export_id": "the staff member's finished export",
    "registration_uuid": "an LTI platform's registration",
    "code": "the participant's issued certificate, with its Open Badges credential",
}
# A small export of the cohort's progress matrix, which the cohort's facilitators may have.
EXPORT_FORM = {"kind": "cohort_progress", "format": "csv", "cohort": "{cohort_id}"}
EXPORT_API = {"kind": "cohort_progress", "format": "json", "parameters": {"cohort": "{cohort_id}"}}

# POST rows send an empty body (no form field), except the exports, whose reach is the body's.
# fmt: off
MATRIX = {
    # Facilitator pages: the cohort's facilitators and admins.
    #       anon   p_here p_else f_here f_else staff  other_staff
    ("GET", "/facilitate/"):  # the cohorts one manages: none for a participant
        Row(IN,    200,   200,   200,   200,   200,   200),
    ("GET", "/facilitate/cohorts/<int:cohort_id>/"):
        Row(IN,    404,   404,   200,   404,   200,   200),
    ("GET", "/facilitate/cohorts/<int:cohort_id>/participants/<int:enrolment_id>/"):
        Row(IN,    404,   404,   200,   404,   200,   200),
    ("POST", "/facilitate/cohorts/<int:cohort_id>/participants/<int:enrolment_id>/"):
        Row(IN,    404,   404,   400,   404,   400,   400),
    ("GET", "/facilitate/cohorts/<int:cohort_id>/messages/"):
        Row(IN,    404,   404,   200,   404,   200,   200),
    ("GET", "/facilitate/cohorts/<int:cohort_id>/messages/new/"):
        Row(IN,    404,   404,   200,   404,   200,   200),
    ("POST", "/facilitate/cohorts/<int:cohort_id>/messages/new/"):
        Row(IN,    404,   404,   400,   404,   400,   400),
    ("GET", "/facilitate/cohorts/<int:cohort_id>/messages/<int:message_id>/"):
        Row(IN,    404,   404,   200,   404,   200,   200),
    ("GET", "/facilitate/cohorts/<int:cohort_id>/enrol/"):
        Row(IN,    404,   404,   200,   404,   200,   200),
    ("POST", "/facilitate/cohorts/<int:cohort_id>/enrol/"):  # the form again, with its errors
        Row(IN,    404,   404,   200,   404,   200,   200),
    ("GET", "/facilitate/cohorts/<int:cohort_id>/enrol/<slug:token>/"):
        Row(IN,    404,   404,   200,   404,   200,   200),
    ("POST", "/facilitate/cohorts/<int:cohort_id>/enrol/<slug:token>/confirm/"):  # applied
        Row(IN,    404,   404,   302,   404,   302,   302),
    ("GET", "/facilitate/cohorts/<int:cohort_id>/certificates/"):
        Row(IN,    404,   404,   200,   404,   200,   200),
    ("POST", "/facilitate/cohorts/<int:cohort_id>/certificates/"):  # no action: 400
        Row(IN,    404,   404,   400,   404,   400,   400),
    ("GET", "/facilitate/cohorts/<int:cohort_id>/certificates/batches/<int:batch_id>/zip/"):
        Row(IN,    404,   404,   200,   404,   200,   200),
    ("GET", "/facilitate/cohorts/<int:cohort_id>/certificates/batches/<int:batch_id>/progress/"):
        Row(IN,    404,   404,   200,   404,   200,   200),
    ("GET", "/facilitate/cohorts/<int:cohort_id>/quizzes/"):
        Row(IN,    404,   404,   200,   404,   200,   200),
    ("GET", "/facilitate/cohorts/<int:cohort_id>/quizzes/<int:quiz_id>/"):
        Row(IN,    404,   404,   200,   404,   200,   200),
    ("GET", "/facilitate/quizzes/<int:quiz_id>/"):  # every cohort's attempts: admins only
        Row(IN,    404,   404,   404,   404,   200,   200),
    ("GET", "/facilitate/cohorts/<int:cohort_id>/lti/"):  # its platform courses (none here)
        Row(IN,    404,   404,   200,   404,   200,   200),
    ("POST", "/facilitate/cohorts/<int:cohort_id>/lti/"):  # no platform course chosen: 400
        Row(IN,    404,   404,   400,   404,   400,   400),

    # The LTI tool's doors: platforms reach them without a session; what they answer to
    # anyone without a platform's signed launch (deep linking: without the request the tool
    # signed for an instructor's launch).
    #       anon   p_here p_else f_here f_else staff  other_staff
    ("GET", "/lti/jwks/"):  # the tool's public keys
        Row(200,   200,   200,   200,   200,   200,   200),
    ("GET", "/lti/login/<uuid:registration_uuid>/"):  # no issuer or login hint: refused
        Row(400,   400,   400,   400,   400,   400,   400),
    ("GET", "/lti/login/"):
        Row(400,   400,   400,   400,   400,   400,   400),
    ("POST", "/lti/launch/"):  # no id_token: refused, nobody signed in
        Row(400,   400,   400,   400,   400,   400,   400),
    ("POST", "/lti/deep-linking/"):  # no deep linking request signed by the tool: refused
        Row(400,   400,   400,   400,   400,   400,   400),

    # Reports: admins only, but one's own exports.
    #       anon   p_here p_else f_here f_else staff  other_staff
    ("GET", "/reports/"):
        Row(IN,    404,   404,   404,   404,   200,   200),
    ("GET", "/reports/funder/"):
        Row(IN,    404,   404,   404,   404,   200,   200),
    ("POST", "/reports/funder/"):  # no filter: a job making the PDF of everything
        Row(IN,    404,   404,   404,   404,   303,   303),
    ("GET", "/reports/exports/"):  # one's own exports
        Row(IN,    200,   200,   200,   200,   200,   200),
    ("POST", "/reports/exports/"):
        Row(IN,    404,   404,   200,   404,   200,   200, body=EXPORT_FORM),
    ("GET", "/reports/exports/<int:job_id>/download/"):  # the requester's alone
        Row(IN,    404,   404,   404,   404,   200,   404),

    # API: anonymous callers get 401 (`WWW-Authenticate: Token`: sign in for a token).
    #       anon   p_here p_else f_here f_else staff  other_staff
    ("GET", "/api/v1/cohorts/{cohort_id}/progress/"):
        Row(401,   404,   404,   200,   404,   200,   200),
    ("GET", "/api/v1/cohorts/{cohort_id}/at-risk/"):
        Row(401,   404,   404,   200,   404,   200,   200),
    ("POST", "/api/v1/cohorts/{cohort_id}/messages/"):
        Row(401,   404,   404,   400,   404,   400,   400),
    ("GET", "/api/v1/messages/{message_id}/"):
        Row(401,   404,   404,   200,   404,   200,   200),
    ("GET", "/api/v1/quizzes/{id}/statistics/"):
        Row(401,   404,   404,   200,   404,   200,   200, query="cohort={cohort_id}"),
    ("GET", "/api/v1/reports/summary/"):
        Row(401,   404,   404,   404,   404,   200,   200),
    ("GET", "/api/v1/reports/completions/"):
        Row(401,   404,   404,   404,   404,   200,   200),
    ("POST", "/api/v1/exports/"):
        Row(401,   404,   404,   200,   404,   200,   200, body=EXPORT_API),
    ("GET", "/api/v1/exports/{export_id}/"):
        Row(401,   404,   404,   404,   404,   200,   404),
    ("GET", "/api/v1/exports/{export_id}/file/"):
        Row(401,   404,   404,   404,   404,   200,   404),

    # A certificate's Open Badges credential: its owner's alone (it names their email, hashed).
    #       anon   p_here p_else f_here f_else staff  other_staff
    ("GET", "/certificates/<str:code>/credential/"):
        Row(IN,    200,   404,   404,   404,   404,   404),
    ("GET", "/api/v1/certificates/{code}/credential/"):
        Row(401,   200,   404,   404,   404,   404,   404),
}
# fmt: on

PAGE_PREFIXES = ("facilitate/", "reports/", "lti/")
PAGE_ROUTES = {"certificates/<str:code>/credential/"}
API_PREFIXES = ("/api/v1/cohorts/{", "/api/v1/messages/", "/api/v1/reports/", "/api/v1/exports/")
API_OPERATIONS = {"/api/v1/quizzes/{id}/statistics/", "/api/v1/certificates/{code}/credential/"}
HTTP_METHODS = {"get", "put", "patch", "post", "delete"}
REFUSED = {IN, 401, 404}
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\{(\w+)\}")  # Django's <int:name>, OpenAPI's {name}


# The pages and operations the matrix must cover


def _routes(resolver, prefix=""):
    """(full route, name) of every URL pattern, through every include."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name


def _parameters(route: str) -> list[str]:
    return [django or openapi for django, openapi in PARAMETER.findall(route)]


def test_the_matrix_covers_every_page_and_operation(client, db):
    pages = {
        f"/{route}": name
        for route, name in _routes(get_resolver())
        if route.startswith(PAGE_PREFIXES) or route in PAGE_ROUTES
    }
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    operations = {
        (method.upper(), path)
        for path, item in schema.json()["paths"].items()
        for method in item
        if method in HTTP_METHODS and (path.startswith(API_PREFIXES) or path in API_OPERATIONS)
    }
    page_rows = {route for _method, route in MATRIX if not route.startswith("/api/")}
    api_rows = {key for key in MATRIX if key[1].startswith("/api/")}

    problems = [
        *(f"page without a row: {route} ({pages[route]})" for route in pages.keys() - page_rows),
        *(f"row of a page that is gone: {route}" for route in page_rows - pages.keys()),
        *(f"operation without a row: {method} {path}" for method, path in operations - api_rows),
        *(
            f"row of an operation that is gone: {method} {path}"
            for method, path in api_rows - operations
        ),
        *(
            f"{route}: no scenario object for the parameter {name}"
            for _method, route in MATRIX
            for name in _parameters(route)
            if name not in PARAMETERS
        ),
    ]
    assert not problems, "MATRIX is out of date:\n" + "\n".join(sorted(problems))


# The scenario: built once for the module, rolled back after it


class Scenario(NamedTuple):
    users: dict[str, Any]
    ids: dict[str, Any]


@pytest.fixture(scope="module")
def scenario(django_db_setup, django_db_blocker, tmp_path_factory):
    """One course with a quiz and a cohort (a facilitator; a participant with a lesson done, a
    submitted attempt, a message; an enrolment upload; a ZIP of certificates), another course
    with its cohort, facilitator and participant, and a finished export of the staff member's.
    Each test's own transaction nests in this one; everything is rolled back at the end."""
    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("matrix-media")))
    # Unblocked for the module's life: the transaction is opened here and rolled back at the end.
    with django_db_blocker.unblock(), media, transaction.atomic():
        yield _build_scenario()
        transaction.set_rollback(True)


def _build_scenario() -> Scenario:
    course = make_course(modules=1, lessons_per_module=2, quizzes_per_module=1)
    quiz = Quiz.objects.get(course=course)
    here = make_cohort(course, name="Here")
    other_course = make_course(modules=1, lessons_per_module=1)
    elsewhere = make_cohort(other_course, name="Elsewhere")
    # No password (force_login): hashing one per user would be most of the set-up.
    users = {
        "anonymous": None,
        "participant_here": make_user(email=PARTICIPANT_EMAIL, password=None),
        "participant_elsewhere": make_user(password=None),
        "facilitator_here": make_facilitator_user(password=None),
        "facilitator_elsewhere": make_facilitator_user(password=None),
        "staff": make_user(is_staff=True, password=None),
        "other_staff": make_user(is_staff=True, is_superuser=True, password=None),
    }
    participant, facilitator = users["participant_here"], users["facilitator_here"]
    here.facilitators.add(facilitator)
    elsewhere.facilitators.add(users["facilitator_elsewhere"])
    enrolment = enrol_user(participant, course, here)
    enrol_user(users["participant_elsewhere"], other_course, elsewhere)

    record_lesson_completion(participant, course.lessons.order_by("order").first())
    attempt, _created = start_attempt(participant, quiz)
    right = {c.pk for q in quiz.questions.all() for c in q.choices.filter(is_correct=True)}
    submit_attempt(  # each question's right choice, by its id in the attempt
        participant,
        attempt.pk,
        answers={
            str(item["question"]): next(o for o, c in item["choices"] if c in right)
            for item in attempt.layout
        },
    )
    message, _created = send_cohort_message(
        here, by=facilitator, audience=MessageAudience.ALL, subject="Week 2",
        body="Module 2 is open.", request_key="permission-matrix",
    )  # fmt: skip
    upload = preview_enrolment_upload(here, "newcomer@example.org\n", by=facilitator)
    batch = CertificateBatch.objects.create(
        cohort=here, kind=BatchKind.ARCHIVE, status=BatchStatus.DONE, requested_by=facilitator,
        finished_at=timezone.now(),
    )  # fmt: skip
    batch.archive.save("certificates.zip", ContentFile(_empty_zip()))
    with override_settings(EXPORT_STREAM_MAX_ROWS=0):  # a job, not the file at once
        job = request_export(users["staff"], kind="completions", format="csv", parameters={})
    assert isinstance(job, ExportJob)
    run_export(job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE

    registration = LtiRegistration.objects.create(
        name="A platform", issuer="https://platform.example.org", client_id="elearn",
        auth_url="https://platform.example.org/auth", token_url="https://platform.example.org/token",
        keyset_url="https://platform.example.org/jwks",
    )  # fmt: skip
    certificate = Certificate.objects.create(
        enrolment=enrolment, status=CertificateStatus.ISSUED, participant_name="Participant Here",
        course_title=course.title, course_language="en", completed_on=timezone.localdate(),
        issuing_organisation="Learning Lab", issued_at=timezone.now(), pdf_sha256="0" * 64,
    )  # fmt: skip
    Credential.objects.create(
        certificate=certificate, status_index=1_000_000, kid="key", jws="a.b.c",
        issued_at=timezone.now(),
    )  # fmt: skip

    ids = {
        "cohort_id": here.pk,
        "enrolment_id": enrolment.pk,
        "message_id": message.pk,
        "token": upload.token,
        "batch_id": batch.pk,
        "quiz_id": quiz.pk,
        "id": quiz.pk,
        "job_id": job.pk,
        "export_id": job.pk,
        "registration_uuid": registration.uuid,
        "code": certificate.code,
    }
    assert ids.keys() == PARAMETERS.keys()
    return Scenario(users=users, ids=ids)


def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w"):
        pass
    return buffer.getvalue()


def _state() -> dict[str, int]:
    """What a refused request must not change."""
    return {
        "enrolments": Enrolment.objects.count(),
        "invitations": Invitation.objects.count(),
        "applied uploads": EnrolmentUpload.objects.filter(applied_at__isnull=False).count(),
        "messages": CohortMessage.objects.count(),
        "deliveries": MessageDelivery.objects.count(),
        "due date extensions": DueDateExtension.objects.count(),
        "closed cohorts": Cohort.objects.filter(closed_at__isnull=False).count(),
        "certificate batches": CertificateBatch.objects.count(),
        "certificates": Certificate.objects.count(),
        "credentials": Credential.objects.count(),
        "export jobs": ExportJob.objects.count(),
        "LTI users": LtiUser.objects.count(),
        "LTI cohort links": CohortLink.objects.count(),
    }


def _filled(template, ids):
    if isinstance(template, dict):
        return {key: _filled(value, ids) for key, value in template.items()}
    return template.format(**ids)


def _url(route: str, row: Row, ids: dict) -> str:
    path = PARAMETER.sub(lambda m: str(ids[m[1] or m[2]]), route)
    return f"{path}?{_filled(row.query, ids)}" if row.query else path


def _body(response) -> bytes:
    # Not response.close(): that would fire request_finished, which closes the connection
    # (and this module's transaction) inside a test; the client does it without the signal.
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


# The matrix


@pytest.mark.parametrize(
    ("key", "role"),
    [(key, role) for key in MATRIX for role in ROLES],
    ids=[f"{method} {route} as {role}" for method, route in MATRIX for role in ROLES],
)
def test_each_role_gets_what_the_matrix_says(scenario, db, key, role):
    method, route = key
    row = MATRIX[key]
    expected = getattr(row, role)
    api = route.startswith("/api/")
    url = _url(route, row, scenario.ids)
    client = APIClient()  # the session, as a browser or a script with a session cookie
    if scenario.users[role] is not None:
        client.force_login(scenario.users[role])
    before = _state()

    if method == "GET":
        response = client.get(url)
    elif api:
        response = client.post(url, _filled(row.body or {}, scenario.ids), format="json")
    else:
        response = client.post(url, _filled(row.body or {}, scenario.ids))
    body = _body(response)  # read to its end, which closes a file's response

    where = f"{method} {url} as {role}"
    if expected in REFUSED:
        assert _state() == before, f"{where} changed something"
        assert PARTICIPANT_EMAIL.encode() not in body, f"{where} shows the participant's email"
    if expected == IN:
        assert response.status_code == 302, f"{where}: {response.status_code}, not {IN}"
        location = urlsplit(response["Location"])
        assert location.path == reverse("account_login"), where
        assert parse_qs(location.query)["next"] == [url], where
        return
    assert response.status_code == expected, f"{where}: {response.status_code}, not {expected}"
    if api and expected in (401, 404):
        code = "not_authenticated" if expected == 401 else "not_found"
        assert response.json()["code"] == code, where
    if expected == 401:
        assert response["WWW-Authenticate"] == "Token", where
