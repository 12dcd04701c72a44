"""New completions are issued together: a burst of completions sends one message, and a worker
issues them a batch at a time (one read, one insert, one update for up to TOGETHER), each
certificate still rendered and stored on its own, exactly once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certificates import services, tasks
from certificates.models import Certificate, CertificateStatus, IssuingWakeup
from certificates.services import issuing, together
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


def stored_files(settings):
    folder = settings.MEDIA_ROOT / "certificates"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def issued_count():
    return Certificate.objects.filter(status=CertificateStatus.ISSUED).count()


def test_a_burst_of_completions_sends_one_message_and_issues_every_certificate(
    db, monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    sent = []
    monkeypatch.setattr(together, "_enqueue_issuing", lambda: sent.append("wake"))
    course = make_course(modules=1, lessons_per_module=1)
    enrolments = completions(course, 5)
    with django_capture_on_commit_callbacks(execute=True):
        for enrolment in enrolments:
            course_completed.send(sender=Enrolment, enrolment_id=enrolment.pk)
    assert sent == ["wake"]  # one message for five completions
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.issue_new_certificates_task() == 5
    assert issued_count() == 5
    assert len(stored_files_of(enrolments)) == 5
    assert sorted(m.to[0] for m in mailoutbox) == sorted(e.user.email for e in enrolments)
    # Started: the next completion asks again.
    (later,) = completions(course, 1)
    with django_capture_on_commit_callbacks(execute=True):
        course_completed.send(sender=Enrolment, enrolment_id=later.pk)
    assert sent == ["wake", "wake"]


def stored_files_of(enrolments):
    return [c.pdf.name for c in Certificate.objects.filter(enrolment__in=enrolments) if c.pdf]


def test_a_request_not_started_within_a_minute_is_asked_again(db, monkeypatch):
    sent = []
    monkeypatch.setattr(together, "_enqueue_issuing", lambda: sent.append("wake"))
    assert services.wake_certificate_issuing() is True
    assert services.wake_certificate_issuing() is False
    IssuingWakeup.objects.update(requested_at=timezone.now() - timedelta(minutes=2))
    assert services.wake_certificate_issuing() is True  # its message may have been lost
    assert IssuingWakeup.objects.count() == 1


def test_the_sweep_asks_again_for_a_request_lost_a_minute_ago_and_at_worker_start_at_once(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(together, "_enqueue_issuing", lambda: sent.append("wake"))

    def sweep(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.reconcile_certificates_task(**kwargs)
        return len(sent)

    assert sweep() == 0  # nobody asked: nothing to ask again
    assert services.wake_certificate_issuing() is True
    assert sweep() == 0  # asked seconds ago: its message is on its way
    IssuingWakeup.objects.update(requested_at=timezone.now() - timedelta(minutes=2))
    assert sweep() == 1  # not started for two minutes: lost
    assert sweep() == 1  # asked again just now
    assert sweep(minutes=0) == 2  # a worker starting: whatever its age


def test_the_sweep_leaves_the_last_minute_to_the_normal_path_except_at_worker_start(db):
    course = make_course(modules=1, lessons_per_module=1)
    completions(course, 2)
    completions(course, 1, ago=timedelta(seconds=90))
    assert tasks.reconcile_certificates_task() == 1
    assert tasks.reconcile_certificates_task(minutes=0) == 2  # the other two; one is issued
    assert issued_count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_batch_takes_one_read_one_insert_and_one_update(settings, monkeypatch):
    emailed = []
    monkeypatch.setattr(together, "_enqueue_emails", emailed.append)
    course = make_course(modules=1, lessons_per_module=1)
    completions(course, 4)
    services.verification_url("WARM-THE-SITE-CACHE")
    with CaptureQueriesContext(connection) as queries:
        issued = services.issue_claimed_certificates(services.claim_new_certificates())
    # The request marked started; select (and lock) and insert in one transaction; then one
    # UPDATE sent for the four rows at once (executemany) in a transaction of its own. SQLite
    # also shows its BEGIN and COMMIT; PostgreSQL's are not statements here.
    statements = [
        q["sql"] for q in queries.captured_queries if q["sql"].split()[0] not in ("BEGIN", "COMMIT")
    ]
    assert [s.split()[0] for s in statements[:3]] == ["UPDATE", "SELECT", "INSERT"]
    assert statements[3].startswith("4 times: UPDATE")
    assert len(statements) == 4
    assert len(issued) == 4 == issued_count()
    assert len(stored_files(settings)) == 4
    assert emailed == [sorted(c.pk for c in issued)]


def test_a_full_batch_enqueues_the_next_before_rendering(db, monkeypatch):
    monkeypatch.setattr(together, "TOGETHER", 2)
    monkeypatch.setattr(tasks, "TOGETHER", 2)
    course = make_course(modules=1, lessons_per_module=1)
    completions(course, 5)
    assert tasks.issue_new_certificates_task.delay().get() == 2  # eager: 2, then 2, then 1
    assert issued_count() == 5


def test_old_completions_held_cohorts_and_existing_records_are_left_to_their_own_path(db):
    course = make_course(modules=1, lessons_per_module=1)
    held = make_cohort(course, name="Lima 2026", certificates_at_close=True)
    (new,) = completions(course, 1)
    (old,) = completions(course, 1, ago=together.RECENT + timedelta(minutes=1))
    (waiting,) = completions(course, 1, cohort=held)
    (crashed,) = completions(course, 1)
    issuing._create_record(crashed, None)  # a record left pending (a crash after the insert)
    issued = services.issue_claimed_certificates(services.claim_new_certificates())
    assert [c.enrolment_id for c in issued] == [new.pk]
    assert not Certificate.objects.filter(enrolment__in=[old, waiting]).exists()
    # The sweep gives the old one and the pending one issue_certificate's own path.
    assert tasks.reconcile_certificates_task(minutes=0) == 2
    assert issued_count() == 3
    assert not Certificate.objects.filter(enrolment=waiting).exists()


def test_a_failing_certificate_stays_pending_and_counted_for_the_sweep(db, monkeypatch):
    course = make_course(modules=1, lessons_per_module=1)
    first, failing, last = completions(course, 3)
    real = issuing.render_certificate

    def render(data):
        if data.participant_name == "Amina Diallo 1":
            raise ValueError("cannot draw")
        return real(data)

    monkeypatch.setattr(issuing, "render_certificate", render)
    issued = services.issue_claimed_certificates(services.claim_new_certificates())
    assert [c.enrolment_id for c in issued] == [first.pk, last.pk]
    pending = Certificate.objects.get(enrolment=failing)
    assert (pending.status, pending.attempts, pending.needs_attention) == (
        CertificateStatus.PENDING, 1, False,
    )  # fmt: skip
    monkeypatch.setattr(issuing, "render_certificate", real)
    assert tasks.reconcile_certificates_task(minutes=0) == 1
    assert Certificate.objects.get(enrolment=failing).status == CertificateStatus.ISSUED


def test_emails_of_a_batch_go_once_each_even_when_the_mail_server_fails_half_way(
    db, monkeypatch, mailoutbox
):
    from django.core.mail.backends.locmem import EmailBackend

    monkeypatch.setattr(together, "_enqueue_emails", lambda ids: None)
    course = make_course(modules=1, lessons_per_module=1)
    enrolments = completions(course, 3)
    ids = [c.pk for c in services.issue_claimed_certificates(services.claim_new_certificates())]
    real, calls = EmailBackend.send_messages, []

    def flaky(self, messages):
        calls.append(messages)
        if len(calls) == 2:
            raise ConnectionResetError("mail server went away")
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    with pytest.raises(ConnectionResetError):
        services.send_certificate_emails(ids)
    assert len(mailoutbox) == 1
    assert Certificate.objects.filter(emailed_at__isnull=False).count() == 1
    assert services.send_certificate_emails(ids) == 2  # the retry sends only the other two
    assert services.send_certificate_emails(ids) == 0
    assert sorted(m.to[0] for m in mailoutbox) == sorted(e.user.email for e in enrolments)


def test_a_file_that_fails_to_store_leaves_its_certificate_pending(db, monkeypatch, settings):
    # Files are written by a second thread: its failure still reaches its certificate.
    course = make_course(modules=1, lessons_per_module=1)
    first, *others = completions(course, 3)
    real, calls = issuing.store_atomically, []

    def store(name, content):
        calls.append(name)
        if len(calls) == 1:  # the first claimed: the first completed
            raise OSError("disk full")
        return real(name, content)

    monkeypatch.setattr(issuing, "store_atomically", store)
    issued = services.issue_claimed_certificates(services.claim_new_certificates())
    assert [c.enrolment_id for c in issued] == [e.pk for e in others]
    failed = Certificate.objects.get(enrolment=first)
    assert (failed.status, failed.attempts) == (CertificateStatus.PENDING, 1)
    assert "disk full" in failed.last_error
    assert len(stored_files(settings)) == 2


def test_a_certificate_failing_in_a_batch_is_handed_to_its_own_task_for_retries(db, monkeypatch):
    course = make_course(modules=1, lessons_per_module=1)
    _first, failing, _last = completions(course, 3)
    real, failures = issuing.store_atomically, []

    def store(name, content):  # the second file fails once (the disk was full for a moment)
        failures.append(name)
        if len(failures) == 2:
            raise OSError("disk full")
        return real(name, content)

    monkeypatch.setattr(issuing, "store_atomically", store)
    handed = []
    monkeypatch.setattr(
        tasks.issue_certificate_task,
        "apply_async",
        lambda args, countdown: handed.append((args, countdown)),
    )
    assert tasks.issue_new_certificates_task() == 2
    assert handed == [((failing.pk,), 5)]
    tasks.issue_certificate_task(failing.pk)  # what the worker runs five seconds later
    certificate = Certificate.objects.get(enrolment=failing)
    assert (certificate.status, certificate.attempts) == (CertificateStatus.ISSUED, 1)
