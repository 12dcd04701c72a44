"""Messages to a cohort's participants (nudges): who receives them, in which language, sent
once whatever happens twice, throttled, retried, swept; and the pages, with who may see them."""

import io
import smtplib
import uuid
from datetime import timedelta
from email.utils import formataddr
from functools import partial

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.services.privacy import delete_account
from courses import tasks
from courses.exceptions import InvalidMessage, NoRecipients, NotAllowed, RequestKeyReused
from courses.models import (
    CohortMessage,
    DeliveryStatus,
    Enrolment,
    EnrolmentStatus,
    MessageDelivery,
)
from courses.services.enrolment import enrol, withdraw
from courses.services.messages import (
    GAVE_UP,
    MAX_BODY_LENGTH,
    MAX_DELIVERY_ATTEMPTS,
    send_cohort_message,
    send_message_batch,
)
from courses.tasks import send_cohort_message_task
from tests.concurrency import on_postgresql, run_together
from tests.factories import PASSWORD, enrol_user, make_cohort, make_course, make_user


@pytest.fixture
def course(db):
    return make_course(modules=2, lessons_per_module=2, quizzes_per_module=1, title="Due diligence")


@pytest.fixture
def cohort(course, facilitator):
    cohort = make_cohort(course, name="Nairobi 2026", time_zone="Africa/Nairobi")
    cohort.facilitators.add(facilitator)
    return cohort


def join(cohort, *, active_days_ago=0, **user_fields):
    """A participant of the cohort, last active `active_days_ago` days ago."""
    enrolment = enrol_user(make_user(**user_fields), cohort.course, cohort)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        last_activity_at=timezone.now() - timedelta(days=active_days_ago)
    )
    enrolment.refresh_from_db()
    return enrolment


def complete(enrolment):
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=EnrolmentStatus.COMPLETED, completed_at=timezone.now()
    )


def send(cohort, by, *, key=None, audience="all", subject="Module 2 is open", **fields):
    fields.setdefault("body", "Read **the case study** before Friday.")
    return send_cohort_message(
        cohort,
        by=by,
        audience=audience,
        subject=subject,
        request_key=key or str(uuid.uuid4()),
        **fields,
    )


def recipients(outbox):
    return sorted(address for message in outbox for address in message.to)


def html_of(email):
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    return html


# --- Who receives a message ---------------------------------------------------------------------


def test_everyone_means_the_current_participants_one_email_each(
    cohort, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    join(cohort, email="amina@example.org")
    complete(join(cohort, email="bola@example.org"))
    withdraw(join(cohort, email="carla@example.org"), by=facilitator)
    enrol_user(make_user(email="elsewhere@example.org"), cohort.course)  # the default cohort

    with django_capture_on_commit_callbacks(execute=True):
        message, created = send(cohort, facilitator)

    assert created
    assert recipients(mailoutbox) == ["amina@example.org", "bola@example.org"]
    assert all(len(email.to) == 1 for email in mailoutbox)  # nobody sees the others
    # Replies reach the facilitator who wrote.
    assert all(email.reply_to == [formataddr((facilitator.full_name, facilitator.email))]
               for email in mailoutbox)  # fmt: skip
    statuses = set(message.deliveries.values_list("status", flat=True))
    assert statuses == {DeliveryStatus.SENT}
    assert message.deliveries.filter(sent_at__isnull=True).count() == 0


def test_at_risk_means_those_the_dashboard_shows_at_risk(
    cohort, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    join(cohort, email="idle@example.org", active_days_ago=20)
    join(cohort, email="busy@example.org", active_days_ago=1)

    with django_capture_on_commit_callbacks(execute=True):
        message, _created = send(cohort, facilitator, audience="at_risk")

    assert recipients(mailoutbox) == ["idle@example.org"]
    assert message.audience == "at_risk"


def test_selected_means_exactly_the_participants_chosen(
    cohort, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    amina = join(cohort, email="amina@example.org")
    join(cohort, email="bola@example.org")
    carla = join(cohort, email="carla@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        send(cohort, facilitator, audience="selected", enrolment_ids=[amina.pk, carla.pk])

    assert recipients(mailoutbox) == ["amina@example.org", "carla@example.org"]


def test_the_email_wraps_the_facilitators_text_as_written(
    cohort, course, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    join(cohort, email="amina@example.org", full_name="Amina Diallo")
    body = "Read **the case study** before Friday.\n\n- one\n- two\n\n<script>alert(1)</script>"

    with django_capture_on_commit_callbacks(execute=True):
        send(cohort, facilitator, subject="Module 2 is open", body=body)

    [email] = mailoutbox
    assert email.subject == "Module 2 is open"
    assert body in email.body  # the text part: the Markdown as written
    assert "Dear Amina Diallo," in email.body
    assert "Ngozi Okonjo-Iweala sent this message" in email.body
    assert "“Nairobi 2026”" in email.body and "“Due diligence”" in email.body
    assert f"/courses/{course.slug}/" in email.body
    assert "because you are enrolled in this course" in email.body
    html = html_of(email)
    assert "<strong>the case study</strong>" in html and "<li>one</li>" in html
    assert "<script>" not in html  # sanitised
    assert 'lang="en" dir="ltr"' in html


def test_the_fixed_wording_is_in_each_participants_language(
    cohort, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    join(cohort, email="fr@example.org", full_name="Aminata Sow", preferred_language="fr")
    join(cohort, email="ar@example.org", full_name="ليلى حداد", preferred_language="ar")
    join(cohort, email="en@example.org", full_name="Sam Lee")
    body = "Le module 2 est ouvert. Lisez l'étude de cas."

    with django_capture_on_commit_callbacks(execute=True):
        message, _created = send(cohort, facilitator, subject="Module 2 — ouvert", body=body)

    by_address = {email.to[0]: email for email in mailoutbox}
    french, arabic, english = (by_address[f"{lang}@example.org"] for lang in ("fr", "ar", "en"))
    assert french.body.startswith("Bonjour Aminata Sow,")
    assert arabic.body.startswith("ليلى حداد، تحية طيبة،")
    assert english.body.startswith("Dear Sam Lee,")
    assert 'lang="fr" dir="ltr"' in html_of(french)
    assert 'lang="ar" dir="rtl"' in html_of(arabic)
    for email in (french, arabic, english):  # the facilitator's words, untouched
        assert email.subject == "Module 2 — ouvert"
        assert body in email.body
    languages = dict(message.deliveries.values_list("email", "language"))
    assert languages == {"fr@example.org": "fr", "ar@example.org": "ar", "en@example.org": "en"}


def test_without_a_preferred_language_the_course_language_is_used(
    facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    cohort = make_cohort(make_course(language="fr"), name="Dakar")
    cohort.facilitators.add(facilitator)
    join(cohort, full_name="Moussa Ba")

    with django_capture_on_commit_callbacks(execute=True):
        message, _created = send(cohort, facilitator)

    assert mailoutbox[0].body.startswith("Bonjour Moussa Ba,")
    assert message.deliveries.get().language == "fr"


# --- Once, whatever happens twice ---------------------------------------------------------------


def test_the_same_request_key_sends_once(
    cohort, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    join(cohort)
    join(cohort)
    key = str(uuid.uuid4())

    with django_capture_on_commit_callbacks(execute=True):
        first, created = send(cohort, facilitator, key=key)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again, created_again = send(cohort, facilitator, key=key)

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert callbacks == []  # nothing enqueued the second time
    assert len(mailoutbox) == 2
    assert CohortMessage.objects.count() == 1


def test_a_request_key_given_again_with_another_message_is_refused(cohort, facilitator):
    join(cohort)
    key = str(uuid.uuid4())
    send(cohort, facilitator, key=key, subject="First")

    with pytest.raises(RequestKeyReused):
        send(cohort, facilitator, key=key, subject="Second")
    assert CohortMessage.objects.count() == 1


def test_request_keys_are_each_senders_own(cohort, facilitator, admin_user):
    join(cohort)
    key = str(uuid.uuid4())

    _first, created = send(cohort, facilitator, key=key)
    _second, created_by_other = send(cohort, admin_user, key=key)

    assert created and created_by_other
    assert CohortMessage.objects.count() == 2


def test_the_task_run_twice_sends_once(
    cohort, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    join(cohort)
    join(cohort)
    with django_capture_on_commit_callbacks(execute=False):
        message, _created = send(cohort, facilitator)

    send_cohort_message_task.delay(message.pk)
    send_cohort_message_task.delay(message.pk)

    assert len(mailoutbox) == 2
    assert message.deliveries.filter(status=DeliveryStatus.SENT).count() == 2


def test_a_participant_who_withdrew_before_the_email_went_is_skipped(
    cohort, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    leaving = join(cohort, email="leaving@example.org")
    join(cohort, email="staying@example.org")
    moving = join(cohort, email="moving@example.org")
    with django_capture_on_commit_callbacks(execute=False):
        message, _created = send(cohort, facilitator)
    withdraw(leaving, by=leaving.user)
    enrol(moving.user, make_cohort(cohort.course), by_system=True)  # moved to another cohort

    send_cohort_message_task.delay(message.pk)

    assert recipients(mailoutbox) == ["staying@example.org"]
    statuses = dict(message.deliveries.values_list("email", "status"))
    assert statuses == {
        "leaving@example.org": "skipped",
        "moving@example.org": "skipped",
        "staying@example.org": "sent",
    }


def test_a_message_deleted_with_its_cohort_sends_nothing(cohort, facilitator, mailoutbox):
    assert send_cohort_message_task.delay(987654).get() == 0
    assert mailoutbox == []


# --- The mail server ----------------------------------------------------------------------------


def test_a_mail_server_error_is_retried_then_the_email_goes(
    cohort, facilitator, mailoutbox, failing_mail_server, django_capture_on_commit_callbacks
):
    join(cohort, email="amina@example.org")
    failing_mail_server([ConnectionRefusedError("SMTP server down")])

    with django_capture_on_commit_callbacks(execute=True):
        message, _created = send(cohort, facilitator)

    assert recipients(mailoutbox) == ["amina@example.org"]
    delivery = message.deliveries.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert "SMTP server down" in delivery.last_error  # kept for the record


def test_a_mail_server_that_keeps_failing_fails_the_delivery_after_its_attempts(
    cohort, facilitator, mailoutbox, failing_mail_server, django_capture_on_commit_callbacks
):
    join(cohort, email="amina@example.org")
    calls = failing_mail_server(lambda email: ConnectionRefusedError("down"))

    with django_capture_on_commit_callbacks(execute=True):
        message, _created = send(cohort, facilitator)

    delivery = message.deliveries.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == MAX_DELIVERY_ATTEMPTS == len(calls)
    assert delivery.last_error == "ConnectionRefusedError: down"
    assert delivery.sent_at is None
    assert mailoutbox == []


def test_an_address_the_server_refuses_fails_at_once_and_the_others_go(
    cohort, facilitator, mailoutbox, failing_mail_server, django_capture_on_commit_callbacks
):
    join(cohort, email="amina@example.org")
    join(cohort, email="nobody@example.org")
    join(cohort, email="zoe@example.org")

    def refuse_nobody(email):
        if email.to == ["nobody@example.org"]:
            return smtplib.SMTPRecipientsRefused({"nobody@example.org": (550, b"No such user")})
        return None

    failing_mail_server(refuse_nobody)

    with django_capture_on_commit_callbacks(execute=True):
        message, _created = send(cohort, facilitator)

    assert recipients(mailoutbox) == ["amina@example.org", "zoe@example.org"]
    refused = message.deliveries.get(email="nobody@example.org")
    assert (refused.status, refused.attempts) == (DeliveryStatus.FAILED, 1)
    assert "No such user" in refused.last_error


def test_a_full_mailbox_is_tried_again_later(
    cohort, facilitator, mailoutbox, failing_mail_server, django_capture_on_commit_callbacks
):
    join(cohort, email="full@example.org")
    failing_mail_server(
        [smtplib.SMTPRecipientsRefused({"full@example.org": (452, b"Mailbox full")})],
    )

    with django_capture_on_commit_callbacks(execute=True):
        message, _created = send(cohort, facilitator)

    # Tried again by the next batch (enqueued at once when tasks run in-process).
    delivery = message.deliveries.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert recipients(mailoutbox) == ["full@example.org"]


# --- The throttle and the sweep -----------------------------------------------------------------


def test_each_run_sends_at_most_the_minutes_share_and_enqueues_the_rest(
    cohort, facilitator, mailoutbox, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.NUDGE_EMAILS_PER_MINUTE = 2
    for _ in range(5):
        join(cohort)
    with django_capture_on_commit_callbacks(execute=False):
        message, _created = send(cohort, facilitator)
    enqueued = []
    monkeypatch.setattr(
        tasks.send_cohort_message_task,
        "apply_async",
        lambda args, countdown=None: enqueued.append((args, countdown)),
    )

    assert send_cohort_message_task(message.pk) == 2
    assert len(mailoutbox) == 2
    [(args, countdown)] = enqueued
    assert args == (message.pk,) and 55 < countdown <= 60  # the rest of the minute

    assert send_cohort_message_task(message.pk) == 2
    assert send_cohort_message_task(message.pk) == 1
    assert len(mailoutbox) == 5
    assert len(enqueued) == 2  # nothing left after the third run
    assert not message.deliveries.exclude(status=DeliveryStatus.SENT).exists()


def age(message, *, minutes, worked_minutes_ago=None):
    CohortMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes),
        last_batch_at=(
            None
            if worked_minutes_ago is None
            else timezone.now() - timedelta(minutes=worked_minutes_ago)
        ),
    )


def test_the_sweep_sends_what_a_lost_task_left_queued_and_gives_up_after_a_day(
    cohort, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    join(cohort, email="amina@example.org")
    with django_capture_on_commit_callbacks(execute=False):
        lost, _ = send(cohort, facilitator, subject="Lost")  # its task never ran
        recent, _ = send(cohort, facilitator, subject="Recent")  # its task is on its way
        working, _ = send(cohort, facilitator, subject="Working")  # a throttled task is on it
        old, _ = send(cohort, facilitator, subject="Old")
    age(lost, minutes=15)
    age(working, minutes=15, worked_minutes_ago=1)
    age(old, minutes=2 * 24 * 60)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("resend_pending_messages", stdout=io.StringIO())

    assert [email.subject for email in mailoutbox] == ["Lost"]
    assert lost.deliveries.get().status == DeliveryStatus.SENT
    assert recent.deliveries.get().status == DeliveryStatus.QUEUED
    assert working.deliveries.get().status == DeliveryStatus.QUEUED
    given_up = old.deliveries.get()
    assert (given_up.status, given_up.last_error) == (DeliveryStatus.FAILED, GAVE_UP)

    # Nothing pending is found twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.resend_pending_messages_task.delay().get() == 0
    assert len(mailoutbox) == 1


# --- Bad input changes nothing ------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, error, field",
    [
        ({"subject": "   "}, InvalidMessage, "subject"),
        ({"subject": "x" * 201}, InvalidMessage, "subject"),
        ({"body": " \n\t "}, InvalidMessage, "body"),
        ({"body": ""}, InvalidMessage, "body"),
        ({"body": "x" * (MAX_BODY_LENGTH + 1)}, InvalidMessage, "body"),
        ({"audience": "friends"}, InvalidMessage, "audience"),
        ({"audience": "selected"}, InvalidMessage, "enrolments"),
        ({"audience": "selected", "enrolment_ids": []}, InvalidMessage, "enrolments"),
        ({"audience": "all", "enrolment_ids": "mine"}, InvalidMessage, "enrolments"),
        ({"audience": "selected", "enrolment_ids": "foreign"}, InvalidMessage, "enrolments"),
        ({"audience": "selected", "enrolment_ids": "withdrawn"}, InvalidMessage, "enrolments"),
        ({"audience": "at_risk"}, NoRecipients, None),
    ],
)
def test_bad_input_changes_nothing_and_sends_nothing(
    cohort, facilitator, mailoutbox, django_capture_on_commit_callbacks, fields, error, field
):
    mine = join(cohort)
    gone = join(cohort)
    withdraw(gone, by=facilitator)
    foreign = enrol_user(make_user(), make_course())
    ids = {"mine": [mine.pk], "foreign": [mine.pk, foreign.pk], "withdrawn": [gone.pk]}
    if isinstance(fields.get("enrolment_ids"), str):
        fields = {**fields, "enrolment_ids": ids[fields["enrolment_ids"]]}

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(error) as raised,
    ):
        send(cohort, facilitator, **fields)

    assert getattr(raised.value, "field", None) == field
    assert str(raised.value.message)
    assert callbacks == []
    assert not CohortMessage.objects.exists() and not MessageDelivery.objects.exists()
    assert mailoutbox == []


def test_a_foreign_enrolment_is_named_in_the_error(cohort, facilitator):
    mine = join(cohort)
    foreign = enrol_user(make_user(), make_course())

    with pytest.raises(InvalidMessage) as raised:
        send(cohort, facilitator, audience="selected", enrolment_ids=[mine.pk, foreign.pk])

    assert str(foreign.pk) in str(raised.value.message)


def test_a_cohort_without_participants_has_nobody_to_message(cohort, facilitator):
    with pytest.raises(NoRecipients):
        send(cohort, facilitator)


def test_only_who_manages_the_cohort_may_message_it(cohort, participant, admin_user):
    join(cohort)
    elsewhere = make_user()
    make_cohort(cohort.course).facilitators.add(elsewhere)
    for user in (participant, elsewhere):
        with pytest.raises(NotAllowed):
            send(cohort, user)
    assert send(cohort, admin_user)[1]


# --- Two workers, two clicks at once (PostgreSQL) -----------------------------------------------


@pytest.mark.django_db(transaction=True)
@on_postgresql
def test_two_workers_on_one_message_send_each_email_once(settings):
    settings.NUDGE_EMAILS_PER_MINUTE = 1000
    cohort = make_cohort(make_course())
    facilitator = make_user()
    cohort.facilitators.add(facilitator)
    for _ in range(30):
        join(cohort)
    message = CohortMessage.objects.create(
        cohort=cohort, sent_by=facilitator, audience="all", subject="s", body="b", body_html="b"
    )
    MessageDelivery.objects.bulk_create(
        MessageDelivery(message=message, enrolment=e, email=e.user.email, language="en")
        for e in Enrolment.objects.filter(cohort=cohort).select_related("user")
    )
    mail.outbox = []

    outcomes = run_together(*[partial(send_message_batch, message.pk, limit=1000)] * 3)

    assert sum(outcome.tried for outcome in outcomes) == 30, outcomes
    assert len(mail.outbox) == 30
    assert len(set(recipients(mail.outbox))) == 30
    assert message.deliveries.filter(status=DeliveryStatus.SENT).count() == 30


@pytest.mark.django_db(transaction=True)
@on_postgresql
def test_a_double_click_at_the_same_moment_creates_one_message():
    cohort = make_cohort(make_course())
    facilitator = make_user()
    cohort.facilitators.add(facilitator)
    join(cohort)
    key = str(uuid.uuid4())
    mail.outbox = []

    outcomes = run_together(*[partial(send, cohort, facilitator, key=key)] * 4)

    assert sorted(created for _message, created in outcomes) == [False, False, False, True]
    assert len({message.pk for message, _created in outcomes}) == 1
    assert len(mail.outbox) == 1


# --- Pages --------------------------------------------------------------------------------------


def list_url(cohort):
    return reverse("facilitate-messages", args=[cohort.pk])


def new_url(cohort):
    return reverse("facilitate-message-new", args=[cohort.pk])


def detail_url(message):
    return reverse("facilitate-message", args=[message.cohort_id, message.pk])


def form_data(key=None, **fields):
    return {
        "request_key": key or str(uuid.uuid4()),
        "audience": "all",
        "subject": "Module 2 is open",
        "body": "Read **the case study** before Friday.",
        **fields,
    }


def _facilitator_of(cohort):
    user = make_user()
    cohort.facilitators.add(user)
    return user


PAGE_MATRIX = [
    ("participant_of_cohort", 404),
    ("participant_elsewhere", 404),
    ("facilitator_elsewhere", 404),
    ("facilitator", 200),
    ("admin_user", 200),
]


def who_is(who, *, cohort, enrolment, request):
    return {
        "participant_of_cohort": lambda: enrolment.user,
        "participant_elsewhere": lambda: enrol_user(make_user(), make_course()).user,
        "facilitator_elsewhere": lambda: _facilitator_of(make_cohort(make_course())),
        "facilitator": lambda: request.getfixturevalue("facilitator"),
        "admin_user": lambda: request.getfixturevalue("admin_user"),
    }[who]()


@pytest.mark.parametrize("who, status", PAGE_MATRIX)
def test_who_may_see_the_message_pages(client, cohort, facilitator, request, who, status):
    enrolment = join(cohort, email="amina@example.org")
    message, _created = send(cohort, facilitator, subject="Secret subject")
    client.force_login(who_is(who, cohort=cohort, enrolment=enrolment, request=request))

    pages = [client.get(url) for url in (list_url(cohort), new_url(cohort), detail_url(message))]

    assert [page.status_code for page in pages] == [status] * 3
    if status == 404:
        text = "".join(page.content.decode() for page in pages)
        assert "amina@example.org" not in text and "Secret subject" not in text


@pytest.mark.parametrize("who, status", PAGE_MATRIX)
def test_who_may_send_from_the_page(
    client, cohort, request, mailoutbox, django_capture_on_commit_callbacks, who, status
):
    enrolment = join(cohort, email="amina@example.org")
    client.force_login(who_is(who, cohort=cohort, enrolment=enrolment, request=request))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(new_url(cohort), form_data())

    if status == 404:
        assert response.status_code == 404
        assert not CohortMessage.objects.exists() and mailoutbox == []
    else:
        message = CohortMessage.objects.get()
        assert response.status_code == 302 and response["Location"] == detail_url(message)
        assert recipients(mailoutbox) == ["amina@example.org"]


def test_anonymous_visitors_are_sent_to_sign_in(client, cohort, facilitator):
    join(cohort)
    message, _created = send(cohort, facilitator)
    for response in (
        client.get(list_url(cohort)),
        client.get(new_url(cohort)),
        client.get(detail_url(message)),
        client.post(new_url(cohort), form_data()),
    ):
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]
    assert CohortMessage.objects.count() == 1


def test_a_facilitator_removed_from_the_cohort_loses_the_pages_at_once(client, cohort, facilitator):
    join(cohort)
    message, _created = send(cohort, facilitator)
    client.force_login(facilitator)
    assert client.get(detail_url(message)).status_code == 200

    cohort.facilitators.remove(facilitator)

    assert client.get(list_url(cohort)).status_code == 404
    assert client.get(new_url(cohort)).status_code == 404
    assert client.get(detail_url(message)).status_code == 404
    assert client.post(new_url(cohort), form_data()).status_code == 404
    assert CohortMessage.objects.count() == 1


def test_a_message_of_another_cohort_is_not_found_under_this_one(client, cohort, facilitator):
    other = make_cohort(cohort.course)
    other.facilitators.add(facilitator)
    join(other)
    message, _created = send(other, facilitator)
    client.force_login(facilitator)

    url = reverse("facilitate-message", args=[cohort.pk, message.pk])

    assert client.get(url).status_code == 404


def test_the_form_offers_each_audience_with_its_size_and_a_new_key(client, cohort, facilitator):
    join(cohort, full_name="Amina Diallo", active_days_ago=20)
    join(cohort, full_name="Bola Ade")
    client.force_login(facilitator)

    first = client.get(new_url(cohort))
    second = client.get(new_url(cohort))

    body = first.content.decode()
    assert "Everyone (2)" in body and "Participants at risk now (1)" in body
    assert "Amina Diallo" in body and "Bola Ade" in body
    assert body.count("<h1") == 1
    keys = {page.context["form"]["request_key"].value() for page in (first, second)}
    assert len(keys) == 2


def test_the_form_leaves_deleted_accounts_out(client, cohort, facilitator):
    gone = join(cohort, full_name="Gone Away", active_days_ago=20)
    join(cohort, full_name="Bola Ade")
    delete_account(gone.user, password=PASSWORD)
    client.force_login(facilitator)

    body = client.get(new_url(cohort)).content.decode()

    assert "Everyone (1)" in body and "Participants at risk now (0)" in body
    assert "Deleted account" not in body and "deleted.invalid" not in body


def test_links_choose_the_audience_in_advance(client, cohort, facilitator):
    amina = join(cohort, full_name="Amina Diallo")
    bola = join(cohort, full_name="Bola Ade")
    client.force_login(facilitator)

    chosen = client.get(new_url(cohort), {"to": [amina.pk, "999999", "x"]})
    at_risk = client.get(new_url(cohort), {"audience": "at_risk"})

    assert chosen.context["form"]["audience"].value() == "selected"
    assert {row.enrolment_id: on for row, on in chosen.context["participants"]} == {
        amina.pk: True,
        bola.pk: False,
    }
    assert f'value="{amina.pk}" id="id_enrolments_0" checked' in chosen.content.decode()
    assert at_risk.context["form"]["audience"].value() == "at_risk"


def test_sending_from_the_page_twice_sends_once(
    client, cohort, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    join(cohort)
    join(cohort)
    client.force_login(facilitator)
    data = form_data()

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(new_url(cohort), data)
        second = client.post(new_url(cohort), data)  # a double click

    assert first["Location"] == second["Location"]
    assert CohortMessage.objects.count() == 1
    assert len(mailoutbox) == 2
    page = client.get(second["Location"])
    assert "already sent" in page.content.decode()


def test_the_page_sends_to_the_participants_ticked(
    client, cohort, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    amina = join(cohort, email="amina@example.org")
    join(cohort, email="bola@example.org")
    client.force_login(facilitator)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(new_url(cohort), form_data(audience="selected", enrolments=[amina.pk]))

    assert recipients(mailoutbox) == ["amina@example.org"]


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"subject": ""}, "subject"),
        ({"body": "   "}, "body"),
        ({"body": "x" * (MAX_BODY_LENGTH + 1)}, "body"),
        ({"audience": "friends"}, "audience"),
        ({"audience": ""}, "audience"),
        ({"audience": "selected"}, "enrolments"),
        ({"audience": "selected", "enrolments": ["999999"]}, "enrolments"),
        ({"audience": "all", "enrolments": ["mine"]}, "enrolments"),
    ],
)
def test_bad_input_on_the_page_is_a_form_error_and_sends_nothing(
    client, cohort, facilitator, mailoutbox, django_capture_on_commit_callbacks, fields, field
):
    mine = join(cohort)
    client.force_login(facilitator)
    if fields.get("enrolments") == ["mine"]:
        fields = {**fields, "enrolments": [mine.pk]}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(new_url(cohort), form_data(**fields))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'aria-invalid="true"' in response.content.decode()
    assert not CohortMessage.objects.exists() and mailoutbox == []


def test_nobody_at_risk_is_said_on_the_page(client, cohort, facilitator):
    join(cohort)
    client.force_login(facilitator)

    response = client.post(new_url(cohort), form_data(audience="at_risk"))

    assert response.status_code == 400
    assert "Nobody in this cohort is at risk now." in response.content.decode()


def test_the_key_of_a_message_sent_with_other_text_is_renewed(client, cohort, facilitator):
    join(cohort)
    client.force_login(facilitator)
    data = form_data()
    client.post(new_url(cohort), data)

    response = client.post(new_url(cohort), {**data, "subject": "Edited after sending"})

    assert response.status_code == 400
    assert "This form was already sent, with other text." in response.content.decode()
    assert response.context["form"]["request_key"].value() != data["request_key"]
    assert CohortMessage.objects.count() == 1


def test_a_form_without_its_key_has_expired(client, cohort, facilitator, mailoutbox):
    join(cohort)
    client.force_login(facilitator)
    data = form_data()
    del data["request_key"]

    response = client.post(new_url(cohort), data)

    assert response.status_code == 400
    assert "The form has expired" in response.content.decode()
    assert not CohortMessage.objects.exists() and mailoutbox == []


def test_preview_shows_the_message_and_sends_nothing(client, cohort, facilitator, mailoutbox):
    join(cohort)
    client.force_login(facilitator)

    response = client.post(new_url(cohort), {**form_data(), "preview": "1"})

    assert response.status_code == 200
    assert "<strong>the case study</strong>" in response.content.decode()
    assert not CohortMessage.objects.exists() and mailoutbox == []


def test_the_pages_show_each_delivery_and_the_counts(
    client, cohort, facilitator, mailoutbox, failing_mail_server, django_capture_on_commit_callbacks
):
    join(cohort, full_name="Amina Diallo", email="amina@example.org")
    join(cohort, full_name="Bola Ade", email="nobody@example.org")
    failing_mail_server(
        lambda email: (
            smtplib.SMTPRecipientsRefused({"nobody@example.org": (550, b"No such user")})
            if email.to == ["nobody@example.org"]
            else None
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        message, _created = send(cohort, facilitator, subject="Module 2 is open")
    client.force_login(facilitator)

    listing = client.get(list_url(cohort)).content.decode()
    detail = client.get(detail_url(message)).content.decode()

    assert "Module 2 is open" in listing
    assert listing.count("<h1") == 1 and detail.count("<h1") == 1
    row = listing.split("Module 2 is open")[1].split("</tr>")[0]
    assert [cell.split("<")[0] for cell in row.split("<td>")[3:]] == ["1", "0", "", "0"]
    assert "<strong>1</strong>" in row  # failed
    assert "Amina Diallo" in detail and "Bola Ade" in detail
    assert "No such user" in detail
    assert "<strong>the case study</strong>" in detail


def test_the_dashboard_and_a_participants_page_link_to_messages(client, cohort, facilitator):
    amina = join(cohort, active_days_ago=20)
    client.force_login(facilitator)

    dashboard = client.get(reverse("facilitate-cohort", args=[cohort.pk])).content.decode()
    participant = client.get(
        reverse("facilitate-participant", args=[cohort.pk, amina.pk])
    ).content.decode()

    assert f'href="{new_url(cohort)}"' in dashboard
    assert f'href="{new_url(cohort)}?audience=at_risk"' in dashboard
    assert f'href="{new_url(cohort)}?to={amina.pk}"' in participant


def test_a_participants_timeline_shows_the_messages_they_were_sent(
    client, cohort, facilitator, django_capture_on_commit_callbacks
):
    amina = join(cohort)
    with django_capture_on_commit_callbacks(execute=True):
        send(cohort, facilitator, subject="Module 2 is open")
    client.force_login(facilitator)

    page = client.get(reverse("facilitate-participant", args=[cohort.pk, amina.pk]))

    [event] = [e for e in page.context["events"] if e.kind == "message"]
    assert event.text == "Message from Ngozi Okonjo-Iweala: Module 2 is open"
    assert event.detail == "Sent"


@pytest.mark.parametrize("size", [5, 50])
def test_the_message_pages_make_a_bounded_number_of_queries(
    client, cohort, facilitator, django_assert_max_num_queries, size
):
    for _ in range(size):
        join(cohort)
    for _ in range(size // 5):
        message, _created = send(cohort, facilitator)
    client.force_login(facilitator)
    client.get(new_url(cohort))  # the outline is cached by the first view

    with django_assert_max_num_queries(6):
        assert client.get(list_url(cohort)).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(detail_url(message)).status_code == 200
    with django_assert_max_num_queries(11):
        assert client.get(new_url(cohort)).status_code == 200
