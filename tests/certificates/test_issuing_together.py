"""Completions that come in bursts are issued together: one read, one insert and one update for
up to TOGETHER certificates, each still rendered and stored on its own, exactly once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certificates import services, tasks
from certificates.models import Certificate, CertificateStatus
from certificates.services import issuing
from certificates.tasks import issue_certificate_task
from courses.models import EnrolmentStatus
from tests.factories import enrol_user, make_cohort, make_course, make_user


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def completions(course, count, *, cohort=None, ago=timedelta(0)):
    """`count` enrolments completed `ago`, in enrolment order (no task runs for them)."""
    enrolments = []
    for n in range(count):
        enrolment = enrol_user(make_user(full_name=f"Amina Diallo {n}"), course, cohort)
        enrolment.status = EnrolmentStatus.COMPLETED
        enrolment.completed_at = timezone.now() - ago
        enrolment.save()
        enrolments.append(enrolment)
    return enrolments


def stored_files(settings):
    folder = settings.MEDIA_ROOT / "certificates"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.django_db(transaction=True)
def test_a_burst_is_issued_in_one_read_one_insert_and_one_update(settings, monkeypatch):
    emailed = []
    monkeypatch.setattr(issuing, "_enqueue_emails", emailed.append)
    course = make_course(modules=1, lessons_per_module=1)
    first, *others = completions(course, 4)
    services.verification_url("WARM-THE-SITE-CACHE")
    with CaptureQueriesContext(connection) as queries:
        issued = services.issue_certificates_together(first.pk)
    # Select (and lock) and insert in one transaction; then one UPDATE sent for all four rows
    # at once (executemany) in a transaction of its own. SQLite also shows its BEGIN and
    # COMMIT; PostgreSQL's are not statements here.
    statements = [
        q["sql"] for q in queries.captured_queries if q["sql"].split()[0] not in ("BEGIN", "COMMIT")
    ]
    assert [s.split()[0] for s in statements[:2]] == ["SELECT", "INSERT"]
    assert statements[2].startswith("4 times: UPDATE")
    assert len(statements) == 3
    assert issued == [first.pk, *(e.pk for e in others)]
    certificates = Certificate.objects.filter(enrolment__course=course)
    assert {c.status for c in certificates} == {CertificateStatus.ISSUED}
    assert len(stored_files(settings)) == 4
    assert {c.participant_name for c in certificates} == {f"Amina Diallo {n}" for n in range(4)}
    assert emailed == [sorted(c.pk for c in certificates)]


def test_the_others_tasks_then_end_without_touching_the_database(
    db, django_assert_num_queries, django_capture_on_commit_callbacks, mailoutbox
):
    course = make_course(modules=1, lessons_per_module=1)
    first, *others = completions(course, 3)
    with django_capture_on_commit_callbacks(execute=True):
        issue_certificate_task.delay(first.pk)
    with django_assert_num_queries(0):
        for enrolment in others:
            issue_certificate_task.delay(enrolment.pk)
    assert Certificate.objects.filter(status=CertificateStatus.ISSUED).count() == 3
    assert sorted(m.to[0] for m in mailoutbox) == sorted(e.user.email for e in [first, *others])


def test_only_for_a_minute(db, monkeypatch):
    # A certificate deleted by an admin after its burst is issued again by its next task.
    course = make_course(modules=1, lessons_per_module=1)
    first, second = completions(course, 2)
    issue_certificate_task.delay(first.pk)
    Certificate.objects.filter(enrolment=second).delete()
    now = tasks.time.monotonic()
    monkeypatch.setattr(tasks.time, "monotonic", lambda: now + tasks._ISSUED_HERE_SECONDS + 1)
    issue_certificate_task.delay(second.pk)
    assert Certificate.objects.get(enrolment=second).status == CertificateStatus.ISSUED


def test_old_completions_held_cohorts_and_other_records_are_left_to_their_own_path(db):
    course = make_course(modules=1, lessons_per_module=1)
    held = make_cohort(course, name="Lima 2026")
    held.certificates_at_close = True
    held.save()
    (first,) = completions(course, 1)
    (old,) = completions(course, 1, ago=issuing.RECENT + timedelta(minutes=1))
    (waiting,) = completions(course, 1, cohort=held)
    assert services.issue_certificates_together(first.pk) == [first.pk]
    assert not Certificate.objects.filter(enrolment__in=[old, waiting]).exists()
    # Its own record exists already (a crash after the insert): issue_certificate's path.
    (crashed,) = completions(course, 1)
    issuing._create_record(crashed, None)
    assert services.issue_certificates_together(crashed.pk) == []
    issue_certificate_task.delay(crashed.pk)
    assert Certificate.objects.get(enrolment=crashed).status == CertificateStatus.ISSUED


def test_a_failing_certificate_stays_pending_and_counted_the_others_are_issued(db, monkeypatch):
    course = make_course(modules=1, lessons_per_module=1)
    first, failing, last = completions(course, 3)
    real = issuing.store_atomically

    def store(name, content):
        if Certificate.objects.get(code=name.split("/")[1][:19]).enrolment_id == failing.pk:
            raise OSError("disk full")
        return real(name, content)

    monkeypatch.setattr(issuing, "store_atomically", store)
    assert services.issue_certificates_together(first.pk) == [first.pk, last.pk]
    pending = Certificate.objects.get(enrolment=failing)
    assert (pending.status, pending.attempts, pending.needs_attention) == (
        CertificateStatus.PENDING, 1, False,
    )  # fmt: skip
    monkeypatch.setattr(issuing, "store_atomically", real)
    issue_certificate_task.delay(failing.pk)  # its own task: issue_certificate's path
    assert Certificate.objects.get(enrolment=failing).status == CertificateStatus.ISSUED


def test_a_failure_of_its_own_certificate_is_raised_after_the_others_are_issued(db, monkeypatch):
    course = make_course(modules=1, lessons_per_module=1)
    first, second = completions(course, 2)
    real = issuing.render_certificate

    def render(data):
        if data.participant_name == "Amina Diallo 0":
            raise ValueError("cannot draw")
        return real(data)

    monkeypatch.setattr(issuing, "render_certificate", render)
    with pytest.raises(ValueError, match="cannot draw"):
        services.issue_certificates_together(first.pk)
    assert Certificate.objects.get(enrolment=second).status == CertificateStatus.ISSUED
    assert Certificate.objects.get(enrolment=first).status == CertificateStatus.PENDING


def test_emails_of_a_batch_go_once_each_even_when_the_mail_server_fails_half_way(
    db, monkeypatch, mailoutbox
):
    from django.core.mail.backends.locmem import EmailBackend

    monkeypatch.setattr(issuing, "_enqueue_emails", lambda ids: None)
    course = make_course(modules=1, lessons_per_module=1)
    first, *others = completions(course, 3)
    services.issue_certificates_together(first.pk)
    ids = sorted(Certificate.objects.values_list("pk", flat=True))
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
    assert sorted(m.to[0] for m in mailoutbox) == sorted(e.user.email for e in [first, *others])
