"""The demo that `make run` creates on its first start (setup_demo): a cohort whose dashboards,
question analysis and statistics show what they are for, made through the real services."""

import datetime
import json
import statistics
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrganisationType, User
from certificates.models import Certificate, CertificateStatus
from certificates.services import revoke_certificate
from courses.dashboard import (
    COMPLETED,
    IN_PROGRESS,
    INACTIVE,
    NOT_STARTED,
    OVERDUE,
    get_cohort_progress,
)
from courses.demo import DEMO_COHORT, FACILITATOR, PARTICIPANTS
from courses.models import (
    Cohort,
    CohortMessage,
    DeliveryStatus,
    DueDateExtension,
    Enrolment,
    EnrolmentStatus,
    LessonCompletion,
    LessonVisit,
    MessageAudience,
    MessageDelivery,
)
from quizzes.models import Attempt, AttemptStatus, Quiz
from quizzes.statistics import get_quiz_statistics
from reports.filters import ReportFilters
from reports.regions import region_of
from reports.statistics import get_report
from tests.certificates.independent import served_keys, status_bit, verify_with_jwcrypto


@pytest.fixture(scope="module")
def demo_setup(django_db_setup, django_db_blocker, tmp_path_factory):
    """setup_demo run once, as `make run` runs it, for all the tests of this module (each
    test runs in a savepoint of this transaction): what it printed and the emails it sent."""
    folder = tmp_path_factory.mktemp("demo")
    with (
        django_db_blocker.unblock(),
        # The demo admin's credentials file and the certificates' PDFs; quick hashing.
        override_settings(
            VAR_DIR=folder,
            MEDIA_ROOT=folder / "media",
            # As with DEBUG on (make run): no key configured, setup_demo makes one there.
            CREDENTIAL_SIGNING_KEY="",
            CREDENTIAL_SIGNING_KEY_FILE=str(folder / "credential-signing-key.pem"),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        transaction.atomic(),
    ):
        mail.outbox = []
        printed = _setup_demo()
        yield SimpleNamespace(printed=printed, emails=len(mail.outbox))
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_setup, db):
    return Cohort.objects.get(name=DEMO_COHORT)


def _setup_demo() -> str:
    out = StringIO()
    call_command("setup_demo", site_domain="127.0.0.1:8181", stdout=out)
    return out.getvalue()


def test_demo_cohort_has_participants_from_every_region_type_and_stage(demo):
    rows = get_cohort_progress(demo).rows
    assert len(rows) >= 40
    assert len({row.country for row in rows}) >= 8
    assert len({region_of(row.country).code for row in rows}) >= 4
    assert {row.organisation_type for row in rows} == set(OrganisationType.values)
    assert {row.state for row in rows} == {NOT_STARTED, IN_PROGRESS, COMPLETED}
    reasons = {row.at_risk_reasons for row in rows if row.at_risk}
    assert {(INACTIVE,), (OVERDUE,), (INACTIVE, OVERDUE)} <= reasons
    assert 0 < sum(row.at_risk for row in rows) < len(rows) / 2
    languages = set(User.objects.filter(enrolments__cohort=demo).values_list(
        "preferred_language", flat=True))  # fmt: skip
    assert {"en", "fr", "es", "ar"} <= languages


def test_demo_keeps_the_five_named_participants_at_their_stages(demo):
    rows = {row.email: row for row in get_cohort_progress(demo).rows}
    lessons = [sum(m.lessons_done for m in rows[p.email].modules) for p in PARTICIPANTS]
    modules = [sum(m.complete for m in rows[p.email].modules) for p in PARTICIPANTS]
    assert [p.email for p in PARTICIPANTS] == [
        "amina@example.org", "lukasz@example.org", "jose@example.org", "minh@example.org",
        "mohammed@example.org",
    ]  # fmt: skip
    assert modules == [0, 0, 1, 3, 6]
    assert lessons == [0, 2, 4, 10, 20]
    assert rows["mohammed@example.org"].certificate_status == CertificateStatus.ISSUED
    assert not rows["jose@example.org"].at_risk


def test_demo_participants_take_each_quiz_about_twice_failing_first_attempts_sometimes(demo):
    participants = Enrolment.objects.filter(cohort=demo).count()
    quizzes = Quiz.objects.filter(course=demo.course).count()
    attempts = Attempt.objects.filter(quiz__course=demo.course)
    assert 0.3 <= attempts.count() / (participants * quizzes) <= 0.6
    submitted = attempts.filter(status=AttemptStatus.SUBMITTED)
    failed_first = set(submitted.filter(number=1, passed=False).values_list("user", "quiz"))
    passed_second = set(submitted.filter(number=2, passed=True).values_list("user", "quiz"))
    assert len(failed_first & passed_second) >= 5
    assert submitted.filter(number=1, passed=True).count() > len(failed_first)
    assert attempts.filter(status=AttemptStatus.IN_PROGRESS).exists()


def test_demo_question_analysis_shows_facility_discrimination_and_flags(demo):
    admin = User.objects.get(email="admin@example.org")
    questions = []
    for quiz in Quiz.objects.filter(course=demo.course):
        analysis = get_quiz_statistics(admin, quiz.pk, cohort_id=demo.pk).analysis
        assert not analysis.suppressed
        questions += analysis.questions
    facilities = [q.facility for q in questions]
    discriminations = [q.discrimination for q in questions if q.discrimination is not None]
    assert 0.6 < statistics.mean(facilities) < 0.95
    assert min(facilities) < 0.2  # a hard question
    assert statistics.median(discriminations) > 0.2
    assert any("low_discrimination" in q.flags for q in questions)
    assert sum(1 for q in questions if q.flags) < len(questions) / 2


def test_demo_statistics_show_some_groups_and_suppress_small_ones(demo):
    report = get_report(ReportFilters())
    completed = Enrolment.objects.filter(cohort=demo, status=EnrolmentStatus.COMPLETED)
    assert report.totals["enrolments"].value == Enrolment.objects.filter(cohort=demo).count()
    assert report.totals["completions"].value == completed.count() >= 5
    assert report.totals["certificates_issued"].value == completed.count()
    assert report.totals["completion_rate"].value is not None
    for dimension in ("country", "region", "organisation_type"):
        rows = report.breakdowns[dimension]
        shown = [row for row in rows if row.figures["enrolments"].value is not None]
        hidden = [row for row in rows if row.figures["enrolments"].suppressed]
        assert len(shown) >= 2 and (hidden or dimension == "region"), dimension


def test_demo_completions_have_certificates_issued_through_the_normal_path(demo, demo_setup):
    completed = Enrolment.objects.filter(cohort=demo, status=EnrolmentStatus.COMPLETED)
    certificates = Certificate.objects.filter(enrolment__in=completed)
    assert certificates.count() == completed.count()
    for certificate in certificates.select_related("enrolment"):
        assert certificate.status == CertificateStatus.ISSUED
        assert certificate.pdf_sha256 and certificate.emailed_at
        assert certificate.completed_on == timezone.localdate(certificate.enrolment.completed_at)
        assert certificate.enrolment.completed_at <= certificate.issued_at
    # Emailed by the real sender, into memory: one per certificate and one per nudge.
    assert demo_setup.emails == certificates.count() + MessageDelivery.objects.count()


def test_demo_certificates_carry_credentials_another_library_verifies_until_revoked(demo, client):
    issued = Certificate.objects.filter(enrolment__cohort=demo, status=CertificateStatus.ISSUED)
    assert issued.exists()
    assert not issued.filter(credentials__isnull=True).exists()
    certificate = issued.select_related("enrolment__user").first()
    client.force_login(certificate.enrolment.user)
    download = client.get(reverse("certificate-credential", args=[certificate.code]))
    envelope = json.loads(download.content)
    compact = envelope["id"].removeprefix("data:application/vc+jwt,")
    client.logout()

    keys = served_keys(client)
    credential = verify_with_jwcrypto(compact, keys)
    assert credential["issuer"]["id"] == "did:web:127.0.0.1%3A8181"
    assert status_bit(client, credential, keys) is False

    revoke_certificate(certificate, reason="Issued in error", by=User.objects.get(is_staff=True))

    assert status_bit(client, credential, keys) is True


def test_demo_facilitator_nudged_those_at_risk_and_some_came_back(demo):
    message = CohortMessage.objects.get(cohort=demo)
    assert message.sent_by.email == FACILITATOR[0]
    assert message.audience == MessageAudience.AT_RISK
    deliveries = MessageDelivery.objects.filter(message=message)
    assert deliveries.count() >= 5
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert all(d.sent_at >= message.created_at for d in deliveries)
    came_back = Enrolment.objects.filter(
        pk__in=deliveries.values("enrolment"), last_activity_at__gt=message.created_at
    )
    at_risk_now = {row.enrolment_id for row in get_cohort_progress(demo).rows if row.at_risk}
    assert came_back.exclude(pk__in=at_risk_now).exists()


def test_demo_history_is_spread_over_the_cohorts_weeks_and_never_in_the_future(demo):
    now = timezone.now()
    starts = demo.starts_on
    enrolments = Enrolment.objects.filter(cohort=demo)
    completions = LessonCompletion.objects.filter(lesson__course=demo.course)
    attempts = Attempt.objects.filter(quiz__course=demo.course)
    days = {timezone.localdate(at) for at in completions.values_list("completed_at", flat=True)}
    assert len(days) >= 14
    assert min(days) >= starts - datetime.timedelta(days=1)  # east of the cohort's zone
    assert min(e.enrolled_at.date() for e in enrolments) < starts
    assert len({e.completed_at.date() for e in enrolments if e.completed_at}) >= 5
    times = [
        *enrolments.values_list("enrolled_at", flat=True),
        *enrolments.exclude(last_activity_at=None).values_list("last_activity_at", flat=True),
        *completions.values_list("completed_at", flat=True),
        *LessonVisit.objects.values_list("last_visited_at", flat=True),
        *attempts.values_list("started_at", flat=True),
        *Certificate.objects.values_list("issued_at", flat=True),
        *MessageDelivery.objects.values_list("sent_at", flat=True),
    ]
    assert max(times) <= now
    for attempt in attempts.filter(status=AttemptStatus.SUBMITTED):
        assert attempt.started_at < attempt.submitted_at <= (attempt.deadline or now)
    assert DueDateExtension.objects.filter(enrolment__cohort=demo).exists()


def test_second_setup_demo_changes_nothing(demo, demo_setup):
    models = (User, Enrolment, LessonCompletion, LessonVisit, Attempt, Certificate,
              CohortMessage, MessageDelivery)  # fmt: skip
    counts = {model: model.objects.count() for model in models}
    last_activity = dict(Enrolment.objects.values_list("pk", "last_activity_at"))
    first, second = demo_setup.printed, _setup_demo()
    assert {model: model.objects.count() for model in models} == counts
    assert dict(Enrolment.objects.values_list("pk", "last_activity_at")) == last_activity
    assert "Created the demo cohort" in first and "Created the demo cohort" not in second
    accounts = first[first.index("Demo accounts") :]
    assert accounts == second[second.index("Demo accounts") :]
    assert "participant: jose@example.org (also amina@example.org, lukasz@example.org" in accounts


def test_demo_pages_render_for_the_facilitator_and_the_admin(demo, client):
    facilitator = User.objects.get(email=FACILITATOR[0])
    client.force_login(facilitator)
    rows = get_cohort_progress(demo).rows
    by_state = {(row.state, row.at_risk): row.enrolment_id for row in rows}
    message = CohortMessage.objects.get(cohort=demo)
    urls = [
        reverse("facilitate-cohort", args=[demo.pk]),
        reverse("facilitate-cohort", args=[demo.pk]) + "?page=2",
        *(reverse("facilitate-participant", args=[demo.pk, pk]) for pk in by_state.values()),
        reverse("facilitate-messages", args=[demo.pk]),
        reverse("facilitate-message", args=[demo.pk, message.pk]),
        reverse("facilitate-cohort-quizzes", args=[demo.pk]),
    ]
    for quiz in Quiz.objects.filter(course=demo.course):
        url = reverse("facilitate-quiz-analysis", args=[demo.pk, quiz.pk])
        urls += [url, url + "?attempts=all"]
    for url in urls:
        assert client.get(url).status_code == 200, url
    client.force_login(User.objects.get(email="admin@example.org"))
    response = client.get(reverse("reports"))
    assert response.status_code == 200
