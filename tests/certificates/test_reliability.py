"""Issuing certificates exactly once against real `celery worker` processes: duplicate
deliveries, a worker killed mid-task, and storage failing for a while or for good.

Faults are injected by starting the worker through tests/certificates/faulty_worker.py, so the
app code runs unchanged. Each worker runs in its own process group and is killed in teardown.
"""

import hashlib
import signal
from pathlib import Path

import pytest
from django.utils import timezone

from certificates.models import Certificate, CertificateStatus
from certificates.tasks import MAX_RETRIES, issue_certificates_task, reconcile_certificates_task
from courses.models import EnrolmentStatus
from tests.certificates.processes import kill, logs, wait_for_start_sweep
from tests.factories import make_completion, make_course
from tests.workers import wait_for

pytestmark = [
    pytest.mark.worker_process,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("own_queue"),
]


@pytest.fixture
def completed_enrolment(db):
    """A completed enrolment whose certificate task was never enqueued (the tests enqueue)."""
    return make_completed_enrolment()


def make_completed_enrolment():
    return make_completion(make_course(lessons_per_module=1), full_name="Ngozi Adichie")


def certificate_files(media_root):
    """Published PDFs and leftover temporary files, by name."""
    folder = media_root / "certificates"
    names = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    return (
        [n for n in names if not n.startswith(".partial-")],
        [n for n in names if n.startswith(".partial-")],
    )


def status_of(enrolment):
    return Certificate.objects.filter(enrolment=enrolment).values_list("status", flat=True).first()


def assert_one_issued_certificate_with_its_file(enrolment, media_root):
    assert Certificate.objects.filter(enrolment=enrolment).count() == 1
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert certificate.status == CertificateStatus.ISSUED
    published, _partial = certificate_files(media_root)
    assert published == [Path(certificate.pdf.name).name]
    content = (media_root / certificate.pdf.name).read_bytes()
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == certificate.pdf_sha256
    return certificate


def test_duplicate_deliveries_to_two_workers_issue_one_certificate_and_one_file(
    completed_enrolment, start_worker, media_root
):
    workers = [start_worker(), start_worker()]
    # The sweep first (nothing is issued yet, so it enqueues), then the same message again.
    assert reconcile_certificates_task(minutes=0) == 1
    for _ in range(4):
        issue_certificates_task.delay([completed_enrolment.pk])

    issued = wait_for(lambda: status_of(completed_enrolment) == CertificateStatus.ISSUED, 60)
    assert issued, logs(*workers)
    # The other worker may still be writing the same file when the first has issued it (it
    # publishes it under the same name): a partial file left over is one nobody finishes.
    assert wait_for(lambda: certificate_files(media_root)[1] == [], 30), logs(*workers)
    certificate = assert_one_issued_certificate_with_its_file(completed_enrolment, media_root)
    assert certificate.attempts == 0


def test_a_worker_killed_mid_render_leaves_no_file_and_the_sweep_issues_exactly_once(
    completed_enrolment, start_worker, media_root
):
    blocked = start_worker("block-render")
    issue_certificates_task.delay([completed_enrolment.pk])
    pending = wait_for(lambda: status_of(completed_enrolment) == CertificateStatus.PENDING, 60)
    assert pending, logs(blocked)

    kill(blocked)
    assert blocked.returncode == -signal.SIGKILL
    assert status_of(completed_enrolment) == CertificateStatus.PENDING
    assert certificate_files(media_root) == ([], [])  # killed while rendering: nothing written

    worker = start_worker()
    # Redis keeps the killed worker's message unacknowledged until its visibility timeout and
    # the filesystem broker has already dropped it: either way the sweep finds the work again.
    assert reconcile_certificates_task(minutes=0) == 1
    issued = wait_for(lambda: status_of(completed_enrolment) == CertificateStatus.ISSUED, 60)
    assert issued, logs(blocked, worker)
    certificate = assert_one_issued_certificate_with_its_file(completed_enrolment, media_root)
    assert certificate.attempts == 0
    assert certificate_files(media_root)[1] == []


def test_storage_failing_once_is_retried_with_backoff_then_issued(start_worker, media_root):
    worker = start_worker("fail-store-once")
    # Completed after the worker's sweep at start (which takes everything pending): this
    # test's message is the only delivery, so the certificate is issued by its retry.
    assert wait_for_start_sweep(worker), logs(worker)
    completed_enrolment = make_completed_enrolment()
    issue_certificates_task.delay([completed_enrolment.pk])
    issued = wait_for(lambda: status_of(completed_enrolment) == CertificateStatus.ISSUED, 60)
    assert issued, logs(worker)
    certificate = assert_one_issued_certificate_with_its_file(completed_enrolment, media_root)
    assert certificate.attempts == 1
    assert not certificate.needs_attention


def test_storage_failing_for_good_marks_the_certificate_for_attention_after_the_limit(
    start_worker, media_root
):
    worker = start_worker("fail-store-always")
    assert wait_for_start_sweep(worker), logs(worker)  # one delivery: the limit is exact
    completed_enrolment = make_completed_enrolment()
    issue_certificates_task.delay([completed_enrolment.pk])

    def gave_up():
        return Certificate.objects.filter(
            enrolment=completed_enrolment, needs_attention=True
        ).exists()

    assert wait_for(gave_up, 60), logs(worker)
    certificate = Certificate.objects.get(enrolment=completed_enrolment)
    assert certificate.status == CertificateStatus.PENDING
    assert certificate.attempts == MAX_RETRIES + 1
    assert "storage unreachable" in certificate.last_error
    assert certificate_files(media_root) == ([], [])
    # The sweep leaves it to a person instead of looping.
    assert reconcile_certificates_task(minutes=0) == 0


def test_closing_a_big_cohort_issues_every_certificate_in_the_background_even_after_a_kill(
    start_worker, media_root
):
    from datetime import timedelta

    from accounts.models import User
    from certificates.models import BatchStatus, CertificateBatch
    from courses.models import Enrolment
    from courses.services.enrolment import close_cohort
    from tests.factories import make_cohort

    course = make_course(lessons_per_module=1)
    cohort = make_cohort(course, name="Kampala 2026", certificates_at_close=True)
    users = User.objects.bulk_create(
        User(email=f"p{n}@example.org", full_name=f"Participant {n}") for n in range(120)
    )
    done = {"status": EnrolmentStatus.COMPLETED, "completed_at": timezone.now()}
    Enrolment.objects.bulk_create(
        Enrolment(user=user, cohort=cohort, course=course, **done) for user in users
    )
    first = start_worker()
    assert wait_for_start_sweep(first), logs(first)  # on nothing: the cohort holds them

    close_cohort(cohort, by=None)  # the request: records the close, enqueues, renders nothing
    batch = CertificateBatch.objects.get(cohort=cohort)
    issued = Certificate.objects.filter(enrolment__cohort=cohort, status=CertificateStatus.ISSUED)
    assert wait_for(lambda: issued.count() >= 30, 60), logs(first)
    kill(first)  # mid-batch: the chunk it held is lost with it

    second = start_worker()
    CertificateBatch.objects.filter(pk=batch.pk).update(  # as the sweep finds it minutes later
        claimed_until=None, updated_at=timezone.now() - timedelta(minutes=10)
    )
    reconcile_certificates_task()
    finished = wait_for(
        lambda: CertificateBatch.objects.get(pk=batch.pk).status == BatchStatus.DONE, 90
    )
    assert finished, logs(first, second)
    batch.refresh_from_db()
    assert (batch.done, batch.failed) == (120, 0)
    assert issued.count() == 120 == Certificate.objects.count()
    published, _partial = certificate_files(media_root)
    assert len(published) == 120  # one file each, whatever the kill interrupted


def test_a_burst_of_completions_is_issued_together_exactly_once_even_after_a_kill(
    start_worker, media_root
):
    from accounts.models import User
    from certificates.tasks import BATCH
    from courses.events import course_completed
    from courses.models import Enrolment
    from courses.services.enrolment import ensure_default_cohort

    course = make_course(lessons_per_module=1)
    cohort = ensure_default_cohort(course)
    blocked = start_worker("block-render")
    # Its sweep at start (everything pending) first: the completions reach it by their event.
    assert wait_for_start_sweep(blocked), logs(blocked)
    users = User.objects.bulk_create(
        User(email=f"b{n}@example.org", full_name=f"Participant {n}") for n in range(70)
    )
    done = {"status": EnrolmentStatus.COMPLETED, "completed_at": timezone.now()}
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(user=user, cohort=cohort, course=course, **done) for user in users
    )
    for enrolment in enrolments:  # what each completion's request does after its commit
        course_completed.send(sender=Enrolment, enrolment_id=enrolment.pk)
    pending = Certificate.objects.filter(status=CertificateStatus.PENDING)
    assert wait_for(lambda: pending.count() == BATCH, 60), logs(blocked)  # a batch claimed
    kill(blocked)  # while rendering its first certificate
    assert certificate_files(media_root) == ([], [])

    worker = start_worker()
    # The sweep, minutes later: the claimed records and the completions with none yet.
    assert reconcile_certificates_task(minutes=0) == 70
    issued = Certificate.objects.filter(status=CertificateStatus.ISSUED)
    assert wait_for(lambda: issued.count() == 70, 90), logs(blocked, worker)
    assert Certificate.objects.count() == 70
    published, partial = certificate_files(media_root)
    assert len(published) == 70  # one file each
    assert partial == []
