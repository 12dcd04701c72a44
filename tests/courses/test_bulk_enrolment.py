"""Enrolment of many people at once: the CSV rules, the preview, applying all or nothing,
invitation emails and their acceptance when the invited address is confirmed."""

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.core import mail
from django.db import OperationalError, connection
from django.urls import reverse

from accounts.models import User
from courses.exceptions import InvalidUpload, NotAllowed, UploadAlreadyApplied
from courses.models import Enrolment, EnrolmentStatus, EnrolmentUpload, Invitation
from courses.services import bulk
from courses.services.bulk import (
    accept_invitations,
    apply_enrolment_upload,
    list_managed_cohorts,
    parse_enrolment_csv,
    preview_enrolment_upload,
)
from courses.services.enrolment import ensure_default_cohort
from courses.tasks import send_invitation_task
from tests.concurrency import on_postgresql, run_together
from tests.factories import (
    PASSWORD,
    enrol_user,
    make_cohort,
    make_course,
    make_facilitator_user,
    make_user,
)


@pytest.fixture
def cohort(course, facilitator):
    cohort = make_cohort(course, name="Nairobi 2026")
    cohort.facilitators.add(facilitator)
    return cohort


@pytest.fixture
def applied(django_capture_on_commit_callbacks):
    """applied(upload, by): apply an upload, running what it enqueues on commit."""

    def apply(upload, by):
        with django_capture_on_commit_callbacks(execute=True):
            return apply_enrolment_upload(upload, by=by)

    return apply


def problems_of(data, cohort, by):
    with pytest.raises(InvalidUpload) as caught:
        preview_enrolment_upload(cohort, data, by=by)
    assert caught.value.code == "invalid_upload"
    assert not EnrolmentUpload.objects.exists()
    return caught.value.problems


# The CSV rules


@pytest.mark.parametrize(
    "data",
    [
        "a@example.org\nb@example.org\n",
        "email,full name\r\na@example.org,Amina Diallo\r\nb@example.org,José Núñez\r\n",
        "\ufeffEmail;Full name\nA@Example.ORG;Amina\n\n\nb@example.org;José Núñez\n".encode(),
        'EMAIL;Name\na@example.org;"Diallo; Amina"\nb@example.org;Diallo, Amina\n',
        'a@example.org,"Diallo, Amina"\nb@example.org,Núñez\n',
        "a@example.org;Diallo, Amina\nb@example.org;Núñez, José\n",
        "a@example.org,,\n,,\nb@example.org,,,\n",
        "  a@example.org  \n\t\n\tB@EXAMPLE.org\n",
        "\n\nemail\ra@example.org\rb@example.org",
    ],
    ids=["plain", "header-crlf", "bom-semicolons", "quoted-semicolon", "quoted-comma",
         "semicolons-commas-in-names", "padded-cells", "spaces-and-case", "blank-first-and-cr"],
)  # fmt: skip
def test_csv_variants_give_the_same_addresses(data):
    rows = parse_enrolment_csv(data)

    assert [row.email for row in rows] == ["a@example.org", "b@example.org"]


def test_names_are_kept_and_line_numbers_count_blank_and_header_lines():
    rows = parse_enrolment_csv("email;full name\n\namina@example.org;Amina Diallo\n")

    assert [(row.line, row.email, row.name) for row in rows] == [
        (3, "amina@example.org", "Amina Diallo")
    ]


def test_every_bad_line_is_reported_with_its_number_and_nothing_is_stored(cohort, facilitator):
    data = (
        "email,name\n"
        "good@example.org,Good\n"
        "not-an-address,Someone\n"
        "\n"
        "also-good@example.org,Fine\n"
        "third@example.org,Name,junk\n"
        "x@example.org; y@example.org\n"
        ",Only a name\n"
    )

    problems = problems_of(data, cohort, facilitator)

    assert [line for line, _message in problems] == [3, 6, 7, 8]
    assert "not-an-address" in problems[0][1]
    assert "columns" in problems[1][1]
    assert "one address per line" in problems[2][1]
    assert not Enrolment.objects.filter(cohort=cohort).exists()
    assert not Invitation.objects.exists()


def test_a_duplicate_address_in_any_case_is_reported_on_its_second_line(cohort, facilitator):
    problems = problems_of("a@example.org\nb@example.org\nA@EXAMPLE.ORG\n", cohort, facilitator)

    assert problems == [(3, "a@example.org is already on line 1.")]


def test_a_header_in_another_word_is_explained(cohort, facilitator):
    [(line, message)] = problems_of("courriel\na@example.org\n", cohort, facilitator)

    assert line == 1
    assert "header line must start with “email”" in message


def test_a_file_that_is_not_utf8_is_refused_at_the_first_bad_line(cohort, facilitator):
    data = "a@example.org,Amina\nb@example.org,José Núñez\n".encode("cp1252")

    [(line, message)] = problems_of(data, cohort, facilitator)

    assert line == 2
    assert "CSV UTF-8" in message


@pytest.mark.parametrize("bad", ["\x00", "\ufffe", "\U0010ffff"])
def test_a_line_holding_text_that_cannot_be_stored_is_refused(cohort, facilitator, bad):
    data = f"a@example.org,Amina\nb@example.org,Jos{bad}é\n".encode()

    [(line, message)] = problems_of(data, cohort, facilitator)

    assert line == 2
    assert "U+" in message


def test_up_to_2000_addresses_are_accepted(cohort, facilitator):
    data = "".join(f"person{i}@example.org\n" for i in range(2000))

    upload = preview_enrolment_upload(cohort, data, by=facilitator)

    assert len(upload.rows) == 2000


def test_more_than_2000_addresses_are_refused(cohort, facilitator):
    data = "email\n" + "".join(f"person{i}@example.org\n" for i in range(2001))

    [(line, message)] = problems_of(data, cohort, facilitator)

    assert line is None
    assert "2,000" in message


def test_more_than_1_mb_is_refused(cohort, facilitator):
    data = ("a@example.org," + "x" * 1024 * 1024).encode()

    [(line, message)] = problems_of(data, cohort, facilitator)

    assert line is None
    assert "1 MB" in message


@pytest.mark.parametrize("data", ["", "\n\n", "email\n", b"\xef\xbb\xbf"])
def test_a_list_without_addresses_is_refused(cohort, facilitator, data):
    [(line, message)] = problems_of(data, cohort, facilitator)

    assert line is None
    assert "no addresses" in message


# The preview


def test_preview_says_what_will_happen_to_each_address_and_changes_nothing(
    cohort, course, facilitator
):
    new = make_user(email="new@example.org")
    elsewhere = make_user(email="elsewhere@example.org")
    enrol_user(elsewhere, course)  # in the default cohort of the same course
    here = make_user(email="here@example.org")
    enrol_user(here, course, cohort)
    other_course = make_user(email="other-course@example.org")
    enrol_user(other_course, make_course())
    before = Enrolment.objects.count()

    upload = preview_enrolment_upload(
        cohort,
        "NEW@example.org\nelsewhere@example.org\nhere@example.org\n"
        "other-course@example.org\nunknown@example.org,Amina Diallo\n",
        by=facilitator,
    )

    actions = {row["email"]: row["action"] for row in upload.rows}
    assert actions == {
        "new@example.org": "enrol",
        "elsewhere@example.org": "move",
        "here@example.org": "already",
        "other-course@example.org": "enrol",
        "unknown@example.org": "invite",
    }
    [move] = [row for row in upload.rows if row["action"] == "move"]
    assert move["from_cohort"] == ensure_default_cohort(course).name
    assert upload.cohort == cohort
    assert upload.uploaded_by == facilitator
    assert upload.applied_at is None
    assert Enrolment.objects.count() == before
    assert not Invitation.objects.exists()
    assert new.enrolments.count() == 0


def test_preview_groups_rows_and_warns_when_the_cohort_would_be_over_capacity(
    cohort, course, facilitator
):
    cohort.capacity = 2
    cohort.save()
    enrol_user(make_user(), course, cohort)
    for email in ("one@example.org", "two@example.org"):
        make_user(email=email)

    upload = preview_enrolment_upload(
        cohort, "one@example.org\ntwo@example.org\nthree@example.org\n", by=facilitator
    )
    preview = bulk.describe_upload(upload)

    assert preview.counts == {"enrol": 2, "move": 0, "invite": 1, "already": 0}
    assert preview.over_capacity_by == 1


@pytest.mark.parametrize("who", ["participant", "other_facilitator", "anonymous"])
def test_only_who_manages_the_cohort_may_preview(cohort, who, participant):
    from django.contrib.auth.models import AnonymousUser

    by = {
        "participant": participant,
        "other_facilitator": make_facilitator_user(),
        "anonymous": AnonymousUser(),
    }[who]

    with pytest.raises(NotAllowed):
        preview_enrolment_upload(cohort, "a@example.org\n", by=by)
    assert not EnrolmentUpload.objects.exists()


def test_admins_may_preview_any_cohort(cohort, admin_user):
    upload = preview_enrolment_upload(cohort, "a@example.org\n", by=admin_user)

    assert upload.uploaded_by == admin_user


# Applying


def test_applying_enrols_moves_invites_and_emails_each_new_invitation_once(
    cohort, course, facilitator, applied, mailoutbox
):
    new = make_user(email="new@example.org")
    elsewhere = make_user(email="elsewhere@example.org")
    moved = enrol_user(elsewhere, course)
    here = make_user(email="here@example.org")
    enrol_user(here, course, cohort)
    upload = preview_enrolment_upload(
        cohort,
        "new@example.org\nelsewhere@example.org\nhere@example.org\n"
        "amina@example.org,Amina Diallo\nJose@Example.org\n",
        by=facilitator,
    )

    summary = applied(upload, facilitator)

    assert summary == bulk.UploadSummary(enrolled=1, moved=1, already=1, invited=2)
    enrolment = Enrolment.objects.get(user=new, course=course)
    assert enrolment.cohort == cohort
    assert enrolment.enrolled_by == facilitator
    assert enrolment.status == EnrolmentStatus.ACTIVE
    moved.refresh_from_db()
    assert moved.cohort == cohort
    assert set(Invitation.objects.values_list("cohort", "email", "invited_by")) == {
        (cohort.pk, "amina@example.org", facilitator.pk),
        (cohort.pk, "jose@example.org", facilitator.pk),
    }
    assert sorted(message.to[0] for message in mailoutbox) == [
        "amina@example.org",
        "jose@example.org",
    ]
    assert all(invitation.sent_at for invitation in Invitation.objects.all())
    upload.refresh_from_db()
    assert upload.applied_at is not None


def test_the_invitation_email_says_who_invited_to_what_and_links_to_sign_up(
    cohort, course, facilitator, applied, mailoutbox
):
    applied(preview_enrolment_upload(cohort, "amina+hr@example.org\n", by=facilitator), facilitator)

    [message] = mailoutbox
    assert message.to == ["amina+hr@example.org"]
    assert course.title in message.subject
    assert facilitator.full_name in message.body
    assert course.title in message.body
    assert cohort.name in message.body
    signup = reverse("account_signup")
    assert f"https://example.com{signup}?email=amina%2Bhr%40example.org" in message.body
    assert f"https://example.com{course.get_absolute_url()}" in message.body


def test_applying_twice_is_refused_and_changes_nothing(cohort, facilitator, applied, mailoutbox):
    make_user(email="known@example.org")
    upload = preview_enrolment_upload(
        cohort, "known@example.org\nunknown@example.org\n", by=facilitator
    )
    applied(upload, facilitator)
    first_applied_at = EnrolmentUpload.objects.get().applied_at

    with pytest.raises(UploadAlreadyApplied) as caught:
        applied(upload, facilitator)

    assert caught.value.code == "already_applied"
    assert EnrolmentUpload.objects.get().applied_at == first_applied_at
    assert Enrolment.objects.filter(cohort=cohort).count() == 1
    assert Invitation.objects.count() == 1
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    ("failing", "statement"),
    [
        ("third enrolment", f'INSERT INTO "{Enrolment._meta.db_table}"'),
        ("marking the upload applied", f'UPDATE "{EnrolmentUpload._meta.db_table}"'),
    ],
)
def test_a_failure_midway_applies_nothing(
    cohort, course, facilitator, applied, mailoutbox, failing, statement
):
    for email in ("a@example.org", "b@example.org", "c@example.org"):
        make_user(email=email)
    upload = preview_enrolment_upload(
        cohort,
        "a@example.org\nnew@example.org\nb@example.org\nc@example.org\nnew2@example.org\n",
        by=facilitator,
    )
    writes = []

    def database_going_away(execute, sql, params, many, context):
        # The database boundary: the write the test names is where the connection drops (the
        # third new enrolment, or the last write, marking the upload applied).
        if sql.startswith(statement):
            writes.append(sql)
            if failing == "marking the upload applied" or len(writes) == 3:
                raise OperationalError("database went away")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(database_going_away), pytest.raises(OperationalError):
        applied(upload, facilitator)

    assert len(writes) == (3 if failing == "third enrolment" else 1)
    assert not Enrolment.objects.filter(course=course).exists()
    assert not Invitation.objects.exists()
    assert mailoutbox == []
    upload.refresh_from_db()
    assert upload.applied_at is None


def test_an_account_created_since_the_preview_is_enrolled_not_invited(
    cohort, facilitator, applied, mailoutbox
):
    upload = preview_enrolment_upload(cohort, "late@example.org\n", by=facilitator)
    assert upload.rows[0]["action"] == "invite"
    late = make_user(email="late@example.org")

    summary = applied(upload, facilitator)

    assert summary.enrolled == 1
    assert summary.invited == 0
    assert Enrolment.objects.get(user=late).cohort == cohort
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_an_address_invited_before_gets_no_second_invitation(
    cohort, facilitator, applied, mailoutbox
):
    applied(preview_enrolment_upload(cohort, "amina@example.org\n", by=facilitator), facilitator)
    again = preview_enrolment_upload(cohort, "AMINA@example.org\n", by=facilitator)
    assert again.rows[0]["invited_before"] is True

    summary = applied(again, facilitator)

    assert summary.invited == 0
    assert summary.invited_before == 1
    assert Invitation.objects.count() == 1
    assert len(mailoutbox) == 1


def test_someone_who_no_longer_manages_the_cohort_cannot_apply(cohort, facilitator):
    upload = preview_enrolment_upload(cohort, "a@example.org\n", by=facilitator)
    cohort.facilitators.remove(facilitator)

    with pytest.raises(NotAllowed):
        apply_enrolment_upload(upload, by=facilitator)
    assert not Invitation.objects.exists()


def test_a_managers_own_address_is_enrolled_despite_a_key_and_closed_enrolment(
    cohort, facilitator, applied
):
    cohort.enrolment_key = "secret"
    cohort.enrolment_open = False
    cohort.save()
    upload = preview_enrolment_upload(cohort, f"{facilitator.email}\n", by=facilitator)

    assert applied(upload, facilitator).enrolled == 1

    assert Enrolment.objects.get(user=facilitator).cohort == cohort


# Invitation emails


def invite(cohort, email="amina@example.org", by=None):
    return Invitation.objects.create(cohort=cohort, email=email, invited_by=by)


def test_the_invitation_task_sends_once_when_run_twice(cohort, facilitator, mailoutbox):
    invitation = invite(cohort, by=facilitator)

    send_invitation_task.delay(invitation.pk)
    send_invitation_task.delay(invitation.pk)

    assert len(mailoutbox) == 1
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


def test_the_invitation_task_retries_while_the_mail_server_is_down(
    cohort, facilitator, mailoutbox, failing_mail_server
):
    invitation = invite(cohort, by=facilitator)
    tried = failing_mail_server([ConnectionRefusedError("SMTP server down")])

    send_invitation_task.delay(invitation.pk)

    assert len(tried) == 2
    assert len(mailoutbox) == 1
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


def test_an_accepted_invitation_is_not_sent(cohort, mailoutbox):
    invitation = invite(cohort)
    accept_invitations(make_user(email="amina@example.org"), "amina@example.org")

    send_invitation_task.delay(invitation.pk)

    assert mailoutbox == []


def test_an_invitation_deleted_before_its_task_runs_is_skipped(cohort, mailoutbox):
    invitation = invite(cohort)
    invitation_id = invitation.pk
    invitation.delete()

    send_invitation_task.delay(invitation_id)

    assert mailoutbox == []


def test_an_invitation_without_an_inviter_still_reads_well(cohort, course, mailoutbox):
    send_invitation_task.delay(invite(cohort).pk)

    [message] = mailoutbox
    assert "You are invited to join the course" in message.body
    assert course.title in message.body


# Accepting invitations


def signup_data(email):
    return {
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "full_name": "Amina Diallo",
        "country": "SN",
        "organisation": "Direction des marchés publics",
        "organisation_type": "procurement_agency",
        "preferred_language": "fr",
    }


def test_signing_up_and_confirming_an_invited_address_enrols_in_the_cohort(
    client, cohort, facilitator, applied, mailoutbox, django_capture_on_commit_callbacks
):
    applied(preview_enrolment_upload(cohort, "Amina@Example.org\n", by=facilitator), facilitator)
    [invitation_email] = mailoutbox
    signup_path = invitation_email.body.split("https://example.com", 1)[1].split()[0]
    form = client.get(signup_path)
    assert 'value="amina@example.org"' in form.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), signup_data("amina@example.org"))
    user = User.objects.get(email="amina@example.org")
    assert not Enrolment.objects.filter(user=user).exists()  # not before confirmation
    confirmation = mailoutbox[-1]
    link = confirmation.body.split("http://testserver", 1)[1].split()[0]
    client.post(link)

    enrolment = Enrolment.objects.get(user=user)
    assert enrolment.cohort == cohort
    assert enrolment.enrolled_by == facilitator
    assert Invitation.objects.get().accepted_at is not None


def test_an_inviter_who_lost_the_cohort_still_gets_the_invitee_enrolled(cohort, facilitator):
    invitation = invite(cohort, by=facilitator)
    cohort.facilitators.remove(facilitator)
    cohort.enrolment_open = False
    cohort.enrolment_key = "secret"
    cohort.capacity = 1
    cohort.save()
    enrol_user(make_user(), cohort.course, cohort)  # the cohort is full
    user = make_user(email="amina@example.org", verified=False)
    address = EmailAddress.objects.create(user=user, email=user.email, verified=True)

    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)

    enrolment = Enrolment.objects.get(user=user)
    assert enrolment.cohort == cohort
    assert enrolment.enrolled_by is None
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_invitations_to_two_cohorts_of_a_course_end_in_the_newest(course, facilitator):
    older = make_cohort(course)
    newer = make_cohort(course)
    invite(older)
    invite(newer, email="AMINA@example.org")
    user = make_user(email="amina@example.org")

    accept_invitations(user, "amina@example.org")

    assert Enrolment.objects.get(user=user, status=EnrolmentStatus.ACTIVE).cohort == newer
    assert not Invitation.objects.filter(accepted_at__isnull=True).exists()


def test_confirming_an_address_without_invitations_changes_nothing(participant):
    assert accept_invitations(participant, participant.email) == []
    assert not Enrolment.objects.filter(user=participant).exists()


# Reads


def test_managed_cohorts_come_with_their_counts_in_one_query(
    course, facilitator, admin_user, django_assert_max_num_queries
):
    mine = [make_cohort(course), make_cohort(make_course())]
    for cohort in mine:
        cohort.facilitators.add(facilitator)
        for _ in range(3):
            enrol_user(make_user(), cohort.course, cohort)
    done = enrol_user(make_user(), course, mine[0])
    done.status = EnrolmentStatus.COMPLETED
    done.completed_at = done.enrolled_at
    done.save()
    make_cohort(course)  # not facilitated by them

    with django_assert_max_num_queries(1):
        cohorts = list(list_managed_cohorts(facilitator))
        counts = [(c.course.title, c.active_count, c.completed_count) for c in cohorts]

    assert sorted(counts) == sorted([(course.title, 3, 1), (mine[1].course.title, 3, 0)])
    assert len(list_managed_cohorts(admin_user)) > len(cohorts)


# Concurrency (PostgreSQL)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_runs_of_the_invitation_task_at_once_send_one_email(mailoutbox):
    course = make_course()
    invitation = invite(make_cohort(course))

    outcomes = run_together(
        lambda: bulk.send_invitation(invitation), lambda: bulk.send_invitation(invitation)
    )

    assert sorted(outcomes) == [False, True]
    assert len(mailoutbox) == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_confirmations_of_one_upload_at_once_apply_it_once():
    course = make_course()
    cohort = make_cohort(course)
    facilitator = make_facilitator_user()
    cohort.facilitators.add(facilitator)
    for i in range(5):
        make_user(email=f"p{i}@example.org")
    upload = preview_enrolment_upload(
        cohort, "".join(f"p{i}@example.org\n" for i in range(5)), by=facilitator
    )

    outcomes = run_together(
        lambda: apply_enrolment_upload(upload, by=facilitator),
        lambda: apply_enrolment_upload(upload, by=facilitator),
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == [
        "UploadAlreadyApplied",
        "UploadSummary",
    ]
    assert Enrolment.objects.filter(cohort=cohort).count() == 5


def test_an_invitation_brings_back_someone_who_had_left_the_cohort(cohort, course):
    user = make_user(email="amina@example.org")
    left = enrol_user(user, course, cohort)
    left.status = EnrolmentStatus.WITHDRAWN
    left.save()
    invite(cohort)

    [enrolment] = accept_invitations(user, "amina@example.org")

    assert enrolment.pk == left.pk
    assert enrolment.status == EnrolmentStatus.ACTIVE


def test_sweep_sends_invitations_whose_email_never_went_out(
    course, facilitator, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from courses.models import Invitation

    cohort = make_cohort(course)
    cohort.facilitators.add(facilitator)
    lost = Invitation.objects.create(
        cohort=cohort, email="lost@example.org", invited_by=facilitator
    )
    recent = Invitation.objects.create(
        cohort=cohort, email="recent@example.org", invited_by=facilitator
    )
    sent = Invitation.objects.create(
        cohort=cohort, email="sent@example.org", invited_by=facilitator, sent_at=timezone.now()
    )
    old = timezone.now() - timedelta(hours=1)
    Invitation.objects.filter(pk__in=[lost.pk, sent.pk]).update(created_at=old)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("resend_pending_invitations")
    assert [m.to for m in mail.outbox] == [["lost@example.org"]]
    lost.refresh_from_db()
    recent.refresh_from_db()
    assert lost.sent_at is not None and recent.sent_at is None

    # A second sweep finds nothing pending: nothing is sent twice.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("resend_pending_invitations")
    assert len(mail.outbox) == 1

    # Not sent for over a day (a mail server refusing the address): left to a person.
    refused = Invitation.objects.create(
        cohort=cohort, email="refused@example.org", invited_by=facilitator
    )
    Invitation.objects.filter(pk=refused.pk).update(created_at=timezone.now() - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("resend_pending_invitations")
    assert len(mail.outbox) == 1
