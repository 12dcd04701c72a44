"""Recovery in seconds, not minutes, against real `celery worker` processes: after a worker is
killed mid-issuing, and after a wake-up message is lost while a worker stays up.

The time each recovery took is printed (pytest -s) and recorded as the test's
`recovery_seconds` property (--junitxml).
"""

import re
import time
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import User
from certificates import tasks
from certificates.models import Certificate, CertificateStatus, IssuingWakeup
from certificates.tasks import BATCH
from courses.events import course_completed
from courses.models import Enrolment, EnrolmentStatus
from courses.services.enrolment import ensure_default_cohort
from tests.certificates.processes import (
    SWEPT,
    kill,
    logs,
    wait_for_log,
    wait_for_start_sweep,
)
from tests.factories import make_course
from tests.workers import wait_for

pytestmark = [
    pytest.mark.worker_process,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("own_queue"),
]


TAKEN = r"%s\[[-0-9a-f]+\] received"
DONE = r"%s\[[-0-9a-f]+\] succeeded"


@pytest.fixture
def cohort(db):
    return ensure_default_cohort(make_course(lessons_per_module=1))


def complete(cohort, count, prefix):
    """`count` participants complete the course now, each completion's event sent after its
    commit (what record_lesson_completion does), so each may ask for a worker."""
    users = User.objects.bulk_create(
        User(email=f"{prefix}{n}@example.org", full_name=f"Participant {prefix}{n}")
        for n in range(count)
    )
    done = {"status": EnrolmentStatus.COMPLETED, "completed_at": timezone.now()}
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(user=user, cohort=cohort, course=cohort.course, **done) for user in users
    )
    for enrolment in enrolments:
        course_completed.send(sender=Enrolment, enrolment_id=enrolment.pk)
    return enrolments


def sweeps(worker):
    return len(re.findall(SWEPT, worker.log_path.read_text()))


def issued():
    return Certificate.objects.filter(status=CertificateStatus.ISSUED)


def assert_each_issued_once_with_its_file(enrolments, media_root):
    certificates = Certificate.objects.filter(enrolment__in=enrolments)
    assert certificates.count() == len(enrolments) == Certificate.objects.count()
    assert {c.status for c in certificates} == {CertificateStatus.ISSUED}
    for certificate in certificates:
        assert (media_root / certificate.pdf.name).read_bytes().startswith(b"%PDF")
    folder = media_root / "certificates"
    # Workers started together may still be writing a duplicate of a file (the same content,
    # published under the same name): a partial file left over is one nobody finishes.
    assert wait_for(lambda: not list(folder.glob(".partial-*")), 30)
    files = sorted(p.name for p in folder.iterdir())
    assert files == sorted(Path(c.pdf.name).name for c in certificates)  # one each, no partial


def test_a_new_worker_issues_every_certificate_within_a_minute_after_a_kill_without_beat(
    cohort, start_worker, media_root, record_property, monkeypatch
):
    # A worker set to hold more than the message it runs (CELERY_WORKER_PREFETCH_MULTIPLIER
    # above its default, 1): its parent process takes the next message while its child renders,
    # and holds it when it is killed, with the one it runs (the filesystem broker loses them;
    # Redis gives them back only after its visibility timeout, an hour).
    monkeypatch.setenv("CELERY_WORKER_PREFETCH_MULTIPLIER", "4")
    first = start_worker("block-render", pool="prefork")
    monkeypatch.delenv("CELERY_WORKER_PREFETCH_MULTIPLIER")
    assert wait_for_start_sweep(first), logs(first)  # on nothing yet
    burst = complete(cohort, 70, "burst")
    assert wait_for(lambda: Certificate.objects.count() == BATCH, 60), logs(first)
    # The batch has started, so these ask again: the parent takes that message ahead.
    during = complete(cohort, 10, "during")
    assert IssuingWakeup.objects.get().requested_at is not None
    assert wait_for_log(first, TAKEN % "issue_certificates_task", 30, times=2), logs(first)
    kill(first)  # mid-render: 50 records left pending, 30 completions with none
    assert issued().count() == 0

    down = complete(cohort, 10, "down")  # asked less than a minute ago: no message for them
    restarted = time.monotonic()
    # Two at once, as on two machines after a deploy; no beat.
    second, third = start_worker(), start_worker()
    after = complete(cohort, 1, "after")  # a completion right after the restart

    everything = burst + during + down + after
    done = wait_for(lambda: issued().count() == len(everything), timeout=60)
    seconds = time.monotonic() - restarted
    print(f"\nafter a kill, without beat: {len(everything)} issued {seconds:.1f} s after restart")
    record_property("recovery_seconds", round(seconds, 1))
    assert done, f"{issued().count()} of {len(everything)} issued\n{logs(first, second, third)}"
    assert_each_issued_once_with_its_file(everything, media_root)


def test_a_busy_worker_takes_no_batch_ahead_of_an_idle_one(cohort, start_worker):
    # A worker holds only the message it runs (CELERY_WORKER_PREFETCH_MULTIPLIER, 1). A burst
    # of three batches: a task finding a full batch waiting queues the next before it renders.
    # Two workers stuck rendering hold one message each (a task that found nothing left to
    # take finishes at once); the next waits in the broker for whichever is free first. With 4,
    # a busy worker's parent process takes it ahead, and may leave the other worker idle.
    workers = [start_worker("block-render", pool="prefork") for _ in range(2)]
    # Each start sends a sweep to the shared queue, and either worker may take it: wait for
    # both sweeps, wherever they ran.
    assert wait_for(lambda: sum(sweeps(worker) for worker in workers) == 2, 60), logs(*workers)

    complete(cohort, 3 * BATCH, "burst")

    def held(worker):
        log = worker.log_path.read_text()
        return len(re.findall(TAKEN % "issue_certificates_task", log)) - len(
            re.findall(DONE % "issue_certificates_task", log)
        )

    assert wait_for(lambda: all(held(worker) for worker in workers), 30), logs(*workers)
    time.sleep(2)  # time to take more, for a worker that would
    assert [held(worker) for worker in workers] == [1, 1], logs(*workers)


def test_with_beat_a_lost_wakeup_is_issued_within_two_minutes_without_a_restart(
    cohort, start_worker, media_root, monkeypatch, record_property
):
    worker = start_worker(beat=True)  # the schedule from settings
    # Its sweep at start has run (on nothing yet): what follows is the periodic sweep's.
    assert wait_for_start_sweep(worker), logs(worker)

    # The wake-up's message never reaches a worker (a broker dropping it, a web process
    # stopped between its commit and the publish): the request stays recorded, not started.
    monkeypatch.setattr(tasks.issue_certificates_task, "delay", lambda enrolment_ids: None)
    started = time.monotonic()
    enrolments = complete(cohort, 60, "lost")
    assert IssuingWakeup.objects.get().requested_at is not None

    done = wait_for(lambda: issued().count() == len(enrolments), timeout=120)
    seconds = time.monotonic() - started
    print(f"\nlost wake-up, with beat: {len(enrolments)} issued {seconds:.1f} s after completion")
    record_property("recovery_seconds", round(seconds, 1))
    assert done, f"{issued().count()} of {len(enrolments)} issued\n{logs(worker)}"
    assert worker.poll() is None  # the same worker, never restarted
    assert_each_issued_once_with_its_file(enrolments, media_root)
