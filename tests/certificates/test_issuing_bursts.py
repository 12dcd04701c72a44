"""Certificates are issued together: a burst of completions sends one message, and a worker
issues them a batch at a time (issue_certificates_task around issue_certificates), each
certificate still rendered and stored on its own, exactly once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from certificates import services, tasks
from certificates.models import (
    Certificate,
    CertificateStatus,
    CertificateTemplate,
    IssuingWakeup,
)
from certificates.services import waiting
from certificates.tasks import BATCH
from courses.events import course_completed
from courses.models import Enrolment
from tests.factories import make_cohort, make_completion, make_course


def completions(course, count, *, cohort=None, ago=timedelta(0)):
    """`count` enrolments completed `ago`, in enrolment order (no event sent for them)."""
    when = timezone.now() - ago
    return [
        make_completion(course, cohort, completed_at=when, full_name=f"Amina Diallo {n}")
        for n in range(count)
    ]


def issued_count():
    return Certificate.objects.filter(status=CertificateStatus.ISSUED).count()


@pytest.fixture
def messages(monkeypatch):
    """The enrolment ids of each issue_certificates_task message sent (not run): the broker,
    standing in for one that holds the messages until the test runs them."""
    sent = []
    monkeypatch.setattr(
        tasks.issue_certificates_task, "delay", lambda ids, **options: sent.append(ids)
    )
    return sent


def test_a_burst_of_completions_sends_one_message_and_issues_every_certificate(
    db, messages, django_capture_on_commit_callbacks, mailoutbox
):
    course = make_course(modules=1, lessons_per_module=1)
    enrolments = completions(course, 5)
    with django_capture_on_commit_callbacks(execute=True):
        for enrolment in enrolments:
            course_completed.send(sender=Enrolment, enrolment_id=enrolment.pk)
    assert messages == [[enrolments[0].pk]]  # one message for five completions
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.issue_certificates_task(messages[0]) == 5  # with the four waiting
    assert issued_count() == 5
    assert len(stored_files_of(enrolments)) == 5
    assert sorted(m.to[0] for m in mailoutbox) == sorted(e.user.email for e in enrolments)
    # Started: the next completion asks again.
    (later,) = completions(course, 1)
    with django_capture_on_commit_callbacks(execute=True):
        course_completed.send(sender=Enrolment, enrolment_id=later.pk)
    assert messages == [[enrolments[0].pk], [later.pk]]


def stored_files_of(enrolments):
    return [c.pdf.name for c in Certificate.objects.filter(enrolment__in=enrolments) if c.pdf]


def test_a_request_not_started_within_a_minute_is_asked_again(
    db, messages, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.request_certificate(1) is True
        assert services.request_certificate(2) is False
        IssuingWakeup.objects.update(requested_at=timezone.now() - timedelta(minutes=2))
        assert services.request_certificate(3) is True  # its message may have been lost
    assert IssuingWakeup.objects.count() == 1
    assert messages == [[1], [3]]


def test_the_sweep_leaves_the_last_minute_to_the_normal_path_except_at_worker_start(db, messages):
    course = make_course(modules=1, lessons_per_module=1)
    recent = completions(course, 2)
    (old,) = completions(course, 1, ago=timedelta(seconds=90))
    assert tasks.reconcile_certificates_task() == 1
    assert messages == [[old.pk]]
    assert tasks.reconcile_certificates_task(minutes=0) == 3
    assert messages[1] == sorted([old.pk, *(e.pk for e in recent)])


def test_the_sweep_s_task_takes_the_new_completions_waiting_with_it(db):
    course = make_course(modules=1, lessons_per_module=1)
    completions(course, 2)
    completions(course, 1, ago=timedelta(seconds=90))
    assert tasks.reconcile_certificates_task() == 1  # eager: the old one and the two waiting
    assert issued_count() == 3


def test_a_batch_takes_a_bounded_number_of_statements(
    db, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    course = make_course(modules=1, lessons_per_module=1)
    enrolments = completions(course, 4)
    services.verification_url("WARM-THE-SITE-CACHE")
    # Read and insert, then a locked read and one UPDATE, each pair with its savepoints (the
    # test runs in a transaction): as many for four as for one.
    with (
        django_capture_on_commit_callbacks() as emails,
        django_assert_max_num_queries(4 + 4),
    ):
        outcome = services.issue_certificates([e.pk for e in enrolments])
    assert len(outcome.issued) == 4 == issued_count()
    assert len(emails) == 1  # one email task for the batch


def test_a_full_batch_enqueues_the_next_before_rendering(db):
    course = make_course(modules=1, lessons_per_module=1)
    first, *_others, last = completions(course, BATCH + 1)
    # Eager, the next runs at once, before this one renders: the one left over is issued
    # first, then this batch.
    assert tasks.issue_certificates_task.delay([]).get() == BATCH
    assert issued_count() == BATCH + 1
    issued_at = dict(Certificate.objects.values_list("enrolment_id", "issued_at"))
    assert issued_at[last.pk] < issued_at[first.pk]


def test_a_completion_s_message_fills_its_batch_with_others_waiting(db, messages):
    course = make_course(modules=1, lessons_per_module=1)
    enrolments = completions(course, BATCH + 1)
    # Itself and BATCH - 1 waiting: the batch is full, so the next is enqueued.
    assert tasks.issue_certificates_task([enrolments[0].pk]) == BATCH
    assert messages == [[]]
    assert tasks.issue_certificates_task([]) == 1


def test_old_completions_held_cohorts_and_existing_records_are_left_to_their_own_path(
    db, messages, faulty_storage
):
    course = make_course(modules=1, lessons_per_module=1)
    held = make_cohort(course, name="Lima 2026", certificates_at_close=True)
    (new,) = completions(course, 1)
    (old,) = completions(course, 1, ago=waiting.RECENT + timedelta(minutes=1))
    (waiting_for_close,) = completions(course, 1, cohort=held)
    (crashed,) = completions(course, 1)
    # A record left pending by a worker killed before its file was stored (so its try was
    # never counted).
    faulty_storage.fail(OSError("worker killed"), on={1})
    services.issue_certificates([crashed.pk])
    Certificate.objects.filter(enrolment=crashed).update(attempts=0)
    assert tasks.issue_certificates_task([]) == 1  # only the new one waiting
    assert Certificate.objects.get(enrolment=new).status == CertificateStatus.ISSUED
    assert not Certificate.objects.filter(enrolment__in=[old, waiting_for_close]).exists()
    # The sweep gives the old one and the pending one to the same task.
    assert tasks.reconcile_certificates_task(minutes=0) == 2
    assert messages == [sorted([old.pk, crashed.pk])]
    assert tasks.issue_certificates_task(messages[0]) == 2
    assert issued_count() == 3
    assert services.issue_certificates([waiting_for_close.pk]).issued == []  # held


def test_a_failing_certificate_stays_pending_and_counted_for_the_sweep(db, faulty_storage):
    course = make_course(modules=1, lessons_per_module=1)
    first, failing, last = completions(course, 3)
    faulty_storage.fail(OSError("storage unreachable"), on={2})  # files go in completion order

    outcome = services.issue_certificates([first.pk, failing.pk, last.pk])
    assert [c.enrolment_id for c in outcome.issued] == [first.pk, last.pk]
    assert list(outcome.failed) == [failing.pk]
    pending = Certificate.objects.get(enrolment=failing)
    assert (pending.status, pending.attempts, pending.needs_attention) == (
        CertificateStatus.PENDING, 1, False,
    )  # fmt: skip
    assert tasks.reconcile_certificates_task(minutes=0) == 1
    assert Certificate.objects.get(enrolment=failing).status == CertificateStatus.ISSUED


def test_an_error_retrying_cannot_mend_marks_the_certificate_for_attention_at_once(db):
    course = make_course(modules=1, lessons_per_module=1)
    enrolment = make_completion(course)
    # A template saved around the admin's checks (a bug): the renderer refuses its colour,
    # and will every time.
    CertificateTemplate.objects.create(
        course=course, issuing_organisation="Lab", signatory_name="Ada Obi", primary_colour="teal"
    )

    assert tasks.issue_certificates_task.delay([enrolment.pk]).get() == 0  # not retried
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert (certificate.attempts, certificate.needs_attention) == (1, True)
    assert tasks.reconcile_certificates_task(minutes=0) == 0  # left to a person


def test_emails_of_a_batch_go_once_each_even_when_the_mail_server_fails_half_way(
    db, mailoutbox, failing_mail_server, django_capture_on_commit_callbacks
):
    course = make_course(modules=1, lessons_per_module=1)
    enrolments = completions(course, 3)
    with django_capture_on_commit_callbacks():  # the email task not run
        outcome = services.issue_certificates([e.pk for e in enrolments])
    ids = [c.pk for c in outcome.issued]
    failing_mail_server([None, ConnectionResetError("mail server went away")])

    with pytest.raises(ConnectionResetError):
        services.send_certificate_emails(ids)
    assert len(mailoutbox) == 1
    assert Certificate.objects.filter(emailed_at__isnull=False).count() == 1
    assert services.send_certificate_emails(ids) == 2  # the retry sends only the other two
    assert services.send_certificate_emails(ids) == 0
    assert sorted(m.to[0] for m in mailoutbox) == sorted(e.user.email for e in enrolments)


def test_a_file_that_fails_to_store_leaves_its_certificate_pending(db, faulty_storage):
    # Files are written by a second thread: its failure still reaches its certificate.
    course = make_course(modules=1, lessons_per_module=1)
    first, *others = completions(course, 3)
    faulty_storage.fail(OSError("disk full"), on={1})  # the first claimed: the first completed

    outcome = services.issue_certificates([first.pk, *(e.pk for e in others)])
    assert [c.enrolment_id for c in outcome.issued] == [e.pk for e in others]
    failed = Certificate.objects.get(enrolment=first)
    assert (failed.status, failed.attempts) == (CertificateStatus.PENDING, 1)
    assert "disk full" in failed.last_error
    assert len(faulty_storage.stored()) == 2


def test_a_certificate_failing_in_a_batch_is_retried_by_the_same_task(db, faulty_storage):
    course = make_course(modules=1, lessons_per_module=1)
    _first, failing, _last = completions(course, 3)
    faulty_storage.fail(OSError("disk full"), on={2})  # full for a moment: the second file

    tasks.issue_certificates_task.delay([])  # eager: the retry runs at once
    assert issued_count() == 3
    certificate = Certificate.objects.get(enrolment=failing)
    assert (certificate.status, certificate.attempts) == (CertificateStatus.ISSUED, 1)
