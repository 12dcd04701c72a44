"""Privacy: a participant's data export (page and API), account deletion (what is erased, what
stays, certificates still verifiable, statistics unchanged), the pruning of old activity, and
the privacy notice."""

import datetime
import json

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from accounts.models import FACILITATORS_GROUP, User
from accounts.services import issue_api_token
from accounts.services.privacy import (
    delete_account,
    deleted_email,
    export_personal_data,
    prune_old_activity,
)
from accounts.tasks import prune_old_activity_task
from certificates.models import Certificate, CertificateStatus
from certificates.services.issuing import (
    issue_certificates,
    list_enrolments_missing_a_certificate,
)
from courses.models import (
    ActivityMonth,
    CohortMessage,
    DeliveryStatus,
    Enrolment,
    Invitation,
    LessonCompletion,
    LessonVisit,
    MessageDelivery,
)
from courses.services.messages import send_cohort_message, send_message_batch
from courses.services.progress import record_lesson_completion
from quizzes.models import Attempt
from quizzes.services import start_attempt, submit_attempt
from reports.filters import ReportFilters
from reports.statistics import get_report
from tests.factories import PASSWORD, enrol_user, make_cohort, make_course
from tests.quizzes.factories import (
    add_short_answer,
    add_single_choice,
    make_empty_quiz,
    right_answer,
)
from tests.reports.conftest import certificate, enrolment

pytestmark = pytest.mark.django_db

TYPED_ANSWER = "Joint procurement with the Ministry of Health"
EXPORT_URL = "/api/v1/me/export/"


def give_history(user, *, facilitator, courses=1):
    """Some of everything a participant leaves behind, in `courses` courses: an enrolment in a
    facilitated cohort, a lesson completed and one visited, a quiz attempt with a typed answer,
    a message received, an API token and an accepted invitation; and a completed course with
    an issued certificate."""
    made = []
    for _n in range(courses):
        course = make_course(modules=1, lessons_per_module=2)
        quiz = make_empty_quiz(module=course.modules.get())
        choice, typed = add_single_choice(quiz), add_short_answer(quiz)
        cohort = make_cohort(course)
        cohort.facilitators.add(facilitator)
        enrol_user(user, course, cohort)
        first, second = course.lessons.order_by("order")
        record_lesson_completion(user, first)
        now = timezone.now()
        LessonVisit.objects.create(
            user=user, lesson=second, first_visited_at=now, last_visited_at=now, visits=3
        )
        attempt, _created = start_attempt(user, quiz)
        submit_attempt(
            user,
            attempt.pk,
            answers={str(choice.pk): right_answer(choice, attempt), str(typed.pk): TYPED_ANSWER},
        )
        message, _created = send_cohort_message(
            cohort,
            by=facilitator,
            audience="all",
            subject="Module 1 is due on Friday",
            body="Keep going!",
            request_key=f"key-{user.pk}-{course.pk}",
        )
        send_message_batch(message.pk, limit=10)  # what its task does after commit
        Invitation.objects.create(cohort=cohort, email=user.email, accepted_at=now)
        made.append(course)
    done = make_course(modules=1, lessons_per_module=1)
    issued = certificate(
        enrolment(done, enrolled="2026-01-05", completed="2026-02-01", user=user),
        issued="2026-02-02",
    )
    issue_api_token(user)
    return made, issued


@pytest.fixture
def history(participant, facilitator):
    return give_history(participant, facilitator=facilitator)


def everything_counted():
    report = get_report(ReportFilters())
    return report.totals, report.breakdowns, report.quizzes


# --- Export ----------------------------------------------------------------------------------


def test_the_export_holds_every_kind_of_data_the_participant_left(participant, history):
    (course,), issued = history

    data = export_personal_data(participant)

    assert data["format"] == "elearn-personal-data"
    assert data["profile"]["email"] == participant.email
    assert data["profile"]["full_name"] == "José Núñez"
    assert data["profile"]["country"] == "PE"
    assert data["profile"]["organisation_type"] == "procurement_agency"
    assert data["profile"]["email_addresses"] == [
        {"email": participant.email, "verified": True, "primary": True}
    ]
    assert {e["course"] for e in data["enrolments"]} == {course.title, issued.course_title}
    assert [c["lesson"] for c in data["lesson_completions"]] == ["Lesson 1.1"]
    assert [(v["lesson"], v["visits"]) for v in data["lesson_visits"]] == [("Lesson 1.2", 3)]
    assert [m["course"] for m in data["activity_months"]] == [course.title]
    [attempt] = data["quiz_attempts"]
    assert attempt["status"] == "submitted"
    assert TYPED_ANSWER in attempt["answers"].values()
    [cert] = data["certificates"]
    assert cert["code"] == issued.code
    assert cert["participant_name"] == issued.participant_name
    assert cert["verification_url"].endswith(issued.get_absolute_url())
    [message] = data["messages_received"]
    assert message["subject"] == "Module 1 is due on Friday"
    assert message["sent_to"] == participant.email
    assert message["status"] == "sent"
    assert len(data["api_tokens"]) == 1
    json.dumps(data)  # JSON as it is: no dates or decimals left to encode


def test_the_export_holds_nothing_of_anyone_else(participant, other_participant, facilitator):
    give_history(participant, facilitator=facilitator)
    give_history(other_participant, facilitator=facilitator)

    text = json.dumps(export_personal_data(participant), ensure_ascii=False)

    assert other_participant.email not in text
    assert other_participant.full_name not in text
    assert facilitator.email not in text


@pytest.mark.parametrize("courses", [1, 4])
def test_the_export_takes_a_fixed_number_of_queries_however_much_data(
    participant, facilitator, courses, django_assert_max_num_queries
):
    give_history(participant, facilitator=facilitator, courses=courses)
    participant = User.objects.get(pk=participant.pk)

    # One a kind of data (certificates' credentials too), and three for LTI platforms.
    with django_assert_max_num_queries(14):
        data = export_personal_data(participant)

    assert len(data["enrolments"]) == courses + 1
    assert len(data["quiz_attempts"]) == courses


def test_the_profile_page_downloads_the_export_as_a_json_file(
    participant, history, client_for, settings
):
    settings.SITE_NAME = 'Learning Lab "Español"'
    response = client_for(participant).get(reverse("profile-export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    day = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="learning-lab-espanol-my-data-{day}.json"'
    )
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    expected = json.loads(json.dumps(export_personal_data(participant)))
    assert {**data, "exported_at": None} == {**expected, "exported_at": None}


def test_the_download_needs_signing_in(client):
    response = client.get(reverse("profile-export"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_api_export_needs_credentials(api_client):
    response = api_client.get(EXPORT_URL)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_api_export_is_the_same_document_as_the_download(participant, history, api_client):
    token = issue_api_token(participant).key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api_client.get(EXPORT_URL)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    expected = json.loads(json.dumps(export_personal_data(participant)))
    assert {**data, "exported_at": None, "api_tokens": None} == {
        **expected,
        "exported_at": None,
        "api_tokens": None,
    }


@pytest.mark.parametrize("role", ["participant", "other_participant", "facilitator", "admin_user"])
def test_everyone_exports_their_own_data_and_never_the_participants(
    role, request, participant, facilitator, api_client, client_for
):
    give_history(participant, facilitator=facilitator)
    user = request.getfixturevalue(role)
    api_client.force_authenticate(user)

    from_api = api_client.get(EXPORT_URL).json()
    from_page = client_for(user).get(reverse("profile-export")).json()

    for data in (from_api, from_page):
        assert data["profile"]["email"] == user.email
        if user != participant:
            assert participant.email not in json.dumps(data)
            assert data["quiz_attempts"] == []


def test_the_profile_page_offers_the_download_and_the_deletion(participant, client_for):
    html = client_for(participant).get(reverse("profile")).content.decode()

    assert f'href="{reverse("profile-export")}"' in html
    assert f'href="{reverse("profile-delete")}"' in html
    assert f'href="{reverse("privacy")}"' in html


# --- Deletion --------------------------------------------------------------------------------


def delete_through_the_page(client, password=PASSWORD):
    return client.post(reverse("profile-delete"), {"password": password})


def test_the_deletion_page_asks_for_the_password(participant, client_for):
    response = client_for(participant).get(reverse("profile-delete"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert 'name="password"' in html
    assert 'autocomplete="current-password"' in html


def test_the_deletion_page_needs_signing_in(client):
    response = client.get(reverse("profile-delete"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("password", ["not-my-password", ""])
def test_a_wrong_password_deletes_nothing(participant, history, client_for, password):
    client = client_for(participant)
    participant.refresh_from_db()
    before = export_personal_data(participant)

    response = delete_through_the_page(client, password)

    assert response.status_code == 400
    if password:
        assert "This is not your password. Nothing was changed." in response.content.decode()
    participant.refresh_from_db()
    assert participant.deleted_at is None
    assert participant.is_active
    after = export_personal_data(participant)
    assert {**after, "exported_at": None} == {**before, "exported_at": None}


def test_deletion_erases_the_personal_data(participant, history, client_for):
    address = participant.email
    client = client_for(participant)
    elsewhere = Client()
    elsewhere.force_login(participant)  # a second session, on another device

    response = delete_through_the_page(client)

    assert response.status_code == 302
    assert response.url == reverse("home")
    # The browser forgets what it kept of them: saved lessons, cached pages (as at sign-out).
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    user = User.objects.get(pk=participant.pk)
    assert user.email == deleted_email(user)
    assert user.email.endswith(".invalid")
    assert (user.full_name, user.organisation, user.preferred_language) == ("", "", "")
    assert not user.is_active
    assert not user.has_usable_password()
    assert user.deleted_at is not None
    assert str(user) == "Deleted account"
    assert not EmailAddress.objects.filter(email__iexact=address).exists()
    assert not Invitation.objects.filter(email__iexact=address).exists()
    assert not AuthToken.objects.filter(user=user).exists()
    assert not LessonVisit.objects.filter(user=user).exists()
    assert not MessageDelivery.objects.filter(email=address).exists()
    signed_in = {s.get_decoded().get("_auth_user_id") for s in Session.objects.all()}
    assert str(user.pk) not in signed_in
    [attempt] = Attempt.objects.filter(user=user)
    assert TYPED_ANSWER not in attempt.answers.values()
    assert len(attempt.answers) == 1  # the choice made stays, for the quiz's statistics
    # Signed out here and on the other device.
    assert client.get(reverse("profile")).status_code == 302
    assert elsewhere.get(reverse("profile")).status_code == 302


def test_deletion_keeps_what_statistics_count(participant, history, client_for):
    before = everything_counted()
    kept = {
        "enrolments": Enrolment.objects.filter(user=participant).count(),
        "completions": LessonCompletion.objects.filter(user=participant).count(),
        "months": ActivityMonth.objects.filter(user=participant).count(),
        "attempts": list(Attempt.objects.filter(user=participant).values("score", "passed")),
    }

    delete_through_the_page(client_for(participant))

    assert everything_counted() == before
    user = User.objects.get(pk=participant.pk)
    assert (user.country.code, user.organisation_type) == ("PE", "procurement_agency")
    assert kept == {
        "enrolments": Enrolment.objects.filter(user=user).count(),
        "completions": LessonCompletion.objects.filter(user=user).count(),
        "months": ActivityMonth.objects.filter(user=user).count(),
        "attempts": list(Attempt.objects.filter(user=user).values("score", "passed")),
    }


def test_a_certificate_of_a_deleted_account_still_verifies_as_issued(
    participant, history, client, client_for
):
    _courses, issued = history

    delete_through_the_page(client_for(participant))
    client.logout()
    response = client.get(issued.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "Valid certificate" in html
    assert "José Núñez" in html  # the name as printed, in the frozen record
    issued.refresh_from_db()
    assert issued.status == CertificateStatus.ISSUED
    assert issued.participant_name == "José Núñez"


def test_a_deleted_account_gets_no_new_certificate(participant, facilitator):
    course = make_course(modules=1, lessons_per_module=1)
    done = enrolment(course, enrolled="2026-01-05", completed="2026-02-01", user=participant)
    pending = Certificate.objects.create(
        enrolment=done, participant_name="José Núñez", course_title=course.title,
        course_language="en", completed_on=datetime.date(2026, 2, 1), issuing_organisation="Lab",
    )  # fmt: skip

    delete_account(participant, password=PASSWORD)

    assert not Certificate.objects.filter(pk=pending.pk).exists()
    outcome = issue_certificates([done.pk])
    assert outcome.issued == []
    assert not Certificate.objects.filter(enrolment=done).exists()
    assert done not in list_enrolments_missing_a_certificate(older_than=datetime.timedelta(0))


def test_a_deleted_account_cannot_sign_in_and_its_address_can_sign_up_again(participant, client):
    address = participant.email
    delete_account(participant, password=PASSWORD)

    refused = client.post(reverse("account_login"), {"login": address, "password": PASSWORD})
    assert refused.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session

    client.post(
        reverse("account_signup"),
        {"email": address, "password1": PASSWORD, "password2": PASSWORD,
         "full_name": "José Núñez", "country": "PE", "organisation": "",
         "organisation_type": "procurement_agency", "preferred_language": "es"},
    )  # fmt: skip
    newcomer = User.objects.get(email=address)
    assert newcomer.pk != participant.pk
    assert newcomer.deleted_at is None
    assert not Enrolment.objects.filter(user=newcomer).exists()


def test_messages_sent_after_a_deletion_leave_the_deleted_account_out(
    participant, other_participant, facilitator
):
    course = make_course()
    cohort = make_cohort(course)
    cohort.facilitators.add(facilitator)
    enrol_user(participant, course, cohort)
    enrol_user(other_participant, course, cohort)
    delete_account(participant, password=PASSWORD)

    message, _created = send_cohort_message(
        cohort, by=facilitator, audience="all", subject="Hello", body="Hi", request_key="after"
    )

    assert [d.enrolment.user for d in message.deliveries.all()] == [other_participant]


def test_a_queued_message_to_a_deleted_account_is_never_sent(
    participant, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    course = make_course()
    cohort = make_cohort(course)
    cohort.facilitators.add(facilitator)
    enrol_user(participant, course, cohort)
    with django_capture_on_commit_callbacks(execute=False):  # queued, its task not run yet
        message, _created = send_cohort_message(
            cohort, by=facilitator, audience="all", subject="Hello", body="Hi", request_key="k"
        )

    delete_account(participant, password=PASSWORD)
    send_message_batch(message.pk, limit=10)

    assert mailoutbox == []
    assert message.deliveries.get().status == DeliveryStatus.SKIPPED


def test_an_admin_cannot_delete_their_own_account(admin_user, client_for):
    client = client_for(admin_user)

    page = client.get(reverse("profile-delete"))
    response = delete_through_the_page(client)

    assert 'name="password"' not in page.content.decode()
    assert "ask another admin" in page.content.decode()
    assert response.status_code == 403
    admin_user.refresh_from_db()
    assert admin_user.is_active
    assert admin_user.deleted_at is None
    assert admin_user.has_usable_password()


def test_a_facilitator_can_delete_their_account_and_leaves_their_cohorts(
    facilitator, participant, history, client_for
):
    (course,), _issued = history
    cohort = course.cohorts.get(is_default=False)

    response = delete_through_the_page(client_for(facilitator))

    assert response.status_code == 302
    facilitator.refresh_from_db()
    assert facilitator.deleted_at is not None
    assert not facilitator.groups.filter(name=FACILITATORS_GROUP).exists()
    assert not cohort.facilitators.exists()
    # The messages they sent stay with the cohort (its participants received them).
    assert CohortMessage.objects.filter(cohort=cohort, sent_by=facilitator).exists()


@pytest.mark.parametrize("role", ["other_participant", "facilitator"])
def test_deleting_ones_own_account_leaves_everyone_elses(role, request, participant, client_for):
    user = request.getfixturevalue(role)

    delete_through_the_page(client_for(user))

    participant.refresh_from_db()
    assert participant.deleted_at is None
    assert participant.is_active
    assert participant.check_password(PASSWORD)


def test_deletion_is_not_offered_by_the_api(participant, api_client):
    api_client.force_authenticate(participant)

    response = api_client.delete("/api/v1/me/")

    assert response.status_code == 405
    participant.refresh_from_db()
    assert participant.deleted_at is None


# --- Retention -------------------------------------------------------------------------------


def age(months: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=31 * months)


def test_pruning_deletes_old_activity_and_keeps_recent_activity(
    participant, other_participant, facilitator, settings
):
    settings.ACTIVITY_RETENTION_MONTHS = 24
    give_history(participant, facilitator=facilitator)
    give_history(other_participant, facilitator=facilitator)
    LessonVisit.objects.filter(user=participant).update(last_visited_at=age(25))
    old = CohortMessage.objects.filter(deliveries__enrolment__user=participant)
    CohortMessage.objects.filter(pk__in=old).update(created_at=age(25))
    Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=timezone.now() - datetime.timedelta(1)
    )

    pruned = prune_old_activity()

    assert (pruned.lesson_visits, pruned.message_deliveries, pruned.sessions) == (1, 1, 1)
    assert not LessonVisit.objects.filter(user=participant).exists()
    assert LessonVisit.objects.filter(user=other_participant).exists()
    assert not MessageDelivery.objects.filter(enrolment__user=participant).exists()
    assert MessageDelivery.objects.filter(enrolment__user=other_participant).exists()
    assert not Session.objects.filter(session_key="x" * 32).exists()


def test_pruning_changes_no_statistics_nor_progress(participant, facilitator, settings):
    settings.ACTIVITY_RETENTION_MONTHS = 1
    give_history(participant, facilitator=facilitator)
    LessonVisit.objects.update(last_visited_at=age(3))
    LessonCompletion.objects.update(completed_at=age(3))
    CohortMessage.objects.update(created_at=age(3))
    before = everything_counted()
    progress = list(LessonCompletion.objects.values_list("pk", flat=True))

    prune_old_activity()

    assert everything_counted() == before
    assert list(LessonCompletion.objects.values_list("pk", flat=True)) == progress
    assert ActivityMonth.objects.filter(user=participant).exists()


def test_pruning_follows_the_retention_setting(participant, facilitator, settings):
    give_history(participant, facilitator=facilitator)
    LessonVisit.objects.update(last_visited_at=age(13))

    settings.ACTIVITY_RETENTION_MONTHS = 24
    assert prune_old_activity().lesson_visits == 0
    settings.ACTIVITY_RETENTION_MONTHS = 12
    assert prune_old_activity().lesson_visits == 1


def test_the_pruning_task_is_scheduled_and_safe_to_run_twice(participant, facilitator):
    give_history(participant, facilitator=facilitator)
    LessonVisit.objects.update(last_visited_at=age(30))

    first = prune_old_activity_task.delay().get()
    second = prune_old_activity_task.delay().get()

    assert first["lesson_visits"] == 1
    assert second == {"lesson_visits": 0, "message_deliveries": 0, "sessions": 0}
    scheduled = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "accounts.tasks.prune_old_activity_task" in scheduled


# --- The privacy notice ----------------------------------------------------------------------


def test_the_privacy_notice_is_public_and_linked_from_every_page(client, settings):
    settings.ACTIVITY_RETENTION_MONTHS = 18
    settings.PRIVACY_CONTACT_EMAIL = "privacy@example.org"

    response = client.get(reverse("privacy"))
    home = client.get(reverse("home")).content.decode()

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "deleted after 18 months" in html
    assert "mailto:privacy@example.org" in html
    assert "GET /api/v1/me/export/" in html
    assert f'href="{reverse("privacy")}"' in home


def test_the_privacy_notice_says_whether_learning_records_leave_and_how_they_name_you(
    client, settings
):
    settings.XAPI_LRS_URL = ""
    html = client.get(reverse("privacy")).content.decode()
    assert "learning record store" not in html
    assert "kept on your device" in html  # offline copies of lessons, always

    settings.XAPI_LRS_URL = "https://lrs.example.org/xAPI/"
    html = client.get(reverse("privacy")).content.decode()
    assert "learning record store" in html and "by a number" in html

    settings.XAPI_ACTOR_EMAIL = True
    html = client.get(reverse("privacy")).content.decode()
    assert "by your email address" in html


@pytest.mark.parametrize(
    ("language", "heading"),
    [("fr", "Politique de confidentialité"), ("es", "Aviso de privacidad"),
     ("ar", "إشعار الخصوصية")],
)  # fmt: skip
def test_the_privacy_notice_is_in_the_four_languages(client, language, heading):
    response = client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE=language)

    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert f"<h1>{heading}</h1>" in html
    assert ('dir="rtl"' in html) == (language == "ar")


def test_admins_see_which_accounts_were_deleted(
    participant, other_participant, admin_user, client_for
):
    delete_account(participant, password=PASSWORD)
    client = client_for(admin_user)

    change = client.get(reverse("admin:accounts_user_change", args=[participant.pk]))
    deleted = client.get(reverse("admin:accounts_user_changelist"), {"deleted_at__isnull": "False"})

    assert change.status_code == 200
    assert "deleted at" in change.content.decode().lower()
    assert list(deleted.context["cl"].result_list) == [participant]


def test_the_password_check_is_rate_limited_per_account(participant, history, client_for):
    client = client_for(participant)
    for _ in range(10):
        assert delete_through_the_page(client, "guess").status_code == 400

    response = delete_through_the_page(client)  # the right password, too late

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    participant.refresh_from_db()
    assert participant.deleted_at is None
    assert participant.is_active
