"""Every response carries a Content-Security-Policy; pages need no inline script or style, and
the API docs page (Swagger UI) runs its one inline script by a nonce of the response's."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from certificates.models import BatchKind, BatchStatus, CertificateBatch
from quizzes.services import start_attempt
from tests.factories import enrol_user, make_cohort, make_course, make_quiz, make_user

POLICY = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
# What the policy refuses: a <script> with a body (JSON data blocks do not run), a <style>
# element, a style attribute.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    return INLINE_SCRIPT.findall(html) + INLINE_STYLE.findall(html)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/accounts/login/",
        "/learning/",  # a redirect to sign in
        "/no-such-page/",
        "/api/v1/courses/",
        "/api/schema/",
        "/certificates/NOSUCH-CODE/pdf/",
    ],
)
def test_every_response_carries_the_policy(client, db, path):
    response = client.get(path)

    assert response["Content-Security-Policy"] == POLICY


def test_a_refused_request_carries_the_policy_too(client, db):
    response = client.get("/", {"q": "\x00"})

    assert response.status_code == 400
    assert response["Content-Security-Policy"] == POLICY


@pytest.fixture
def cohort(db):
    course = make_course(modules=1, lessons_per_module=2, title="Buying with due diligence")
    make_quiz(module=course.modules.get(), time_limit_minutes=20)  # a countdown on the page
    return make_cohort(course, name="Nairobi 2026")


def test_pages_need_no_inline_script_or_style(client, cohort):
    course = cohort.course
    participant = make_user()
    enrol_user(participant, course, cohort)
    attempt, _created = start_attempt(participant, course.quizzes.get())
    facilitator = make_user()
    cohort.facilitators.add(facilitator)
    CertificateBatch.objects.create(  # its progress is polled by a script
        cohort=cohort, kind=BatchKind.ISSUE, status=BatchStatus.RUNNING, total=10, done=4
    )
    pages = {
        None: ["/", "/accounts/login/", "/accounts/signup/", "/certificates/verify/"],
        participant: [
            course.get_absolute_url(),
            course.lessons.first().get_absolute_url(),
            reverse("attempt-detail", args=[attempt.pk]),
            "/learning/",
            "/accounts/profile/",
            "/accounts/email/",
        ],
        facilitator: [
            reverse("facilitate-cohort", args=[cohort.pk]),
            reverse("facilitate-cohort-certificates", args=[cohort.pk]),
            reverse("facilitate-cohort-quizzes", args=[cohort.pk]),
        ],
        make_user(is_staff=True, is_superuser=True): [
            "/reports/",
            "/admin/",
            "/admin/courses/cohort/",
            f"/admin/courses/cohort/{cohort.pk}/change/",
            "/api/v1/courses/",  # DRF's browsable API
        ],
    }
    scripts = set()
    for user, paths in pages.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for path in paths:
            response = client.get(path, HTTP_ACCEPT="text/html")
            html = response.content.decode()

            assert response.status_code == 200, path
            assert inline_code(html) == [], path
            scripts.update(re.findall(r'<script src="/static/([^"]+)"', html))
    assert {"js/quiz-timer.js", "js/batch-progress.js"} <= scripts  # the pages' own scripts


def test_api_docs_run_their_one_inline_script_by_a_nonce_of_their_own(client, db):
    first, second = client.get("/api/docs/"), client.get("/api/docs/")

    nonces = []
    for response in (first, second):
        html = response.content.decode()
        policy = response["Content-Security-Policy"]
        nonce = re.fullmatch(
            re.escape(POLICY) + r"; script-src 'self' 'nonce-([\w-]+)'; img-src 'self' data:",
            policy,
        ).group(1)
        assert INLINE_SCRIPT.findall(html) == [f'<script nonce="{nonce}">']
        assert INLINE_STYLE.findall(html) == []
        assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
        assert "/static/css/api-docs.css" in html
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


@override_settings(DEBUG=True)
def test_with_debug_on_django_error_pages_go_without_the_policy(client, db):
    """Django's technical 404 and 500 pages style themselves inline."""
    assert "Content-Security-Policy" not in client.get("/no-such-page/")
    assert client.get("/")["Content-Security-Policy"] == POLICY
