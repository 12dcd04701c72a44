"""Work on a whole cohort's certificates in the background: held until the cohort closes, issued
in chunks, re-issued, zipped; resumed after a lost message; one failure does not stop the rest."""

import csv
import hashlib
import io
import tracemalloc
import zipfile
from datetime import timedelta

import pytest
from celery.signals import task_prerun
from django.db import connection
from django.utils import timezone

from certificates import selectors, services
from certificates.exceptions import BatchFinished
from certificates.models import (
    BatchKind,
    BatchStatus,
    Certificate,
    CertificateBatch,
    CertificateStatus,
)
from certificates.services.batches import CHUNK
from certificates.tasks import (
    build_certificate_archive_task,
    issue_certificates_task,
    reconcile_certificates_task,
)
from courses.exceptions import NotAllowed
from courses.models import EnrolmentStatus
from courses.services.enrolment import close_cohort
from courses.services.progress import record_lesson_completion
from tests.factories import (
    enrol_user,
    make_cohort,
    make_completion,
    make_course,
    make_facilitator_user,
    make_user,
)


@pytest.fixture
def cohort(db, facilitator):
    course = make_course(modules=1, lessons_per_module=1, title="Responsible public buying")
    cohort = make_cohort(course, name="Dakar 2026")
    cohort.facilitators.add(facilitator)
    return cohort


def completed_enrolments(cohort, count, *, names=None):
    """`count` participants who completed the course in the cohort (rows written directly:
    no completion event, as for a cohort whose certificates wait for the close)."""
    names = names or [f"Participant {n}" for n in range(count)]
    return [make_completion(cohort.course, cohort, full_name=names[n]) for n in range(count)]


def issued_in(cohort):
    return Certificate.objects.filter(
        enrolment__cohort=cohort, status=CertificateStatus.ISSUED
    ).count()


def test_a_cohort_holding_certificates_issues_them_all_when_closed(
    cohort, facilitator, django_capture_on_commit_callbacks
):
    cohort.certificates_at_close = True
    cohort.save()
    participant = make_user(full_name="Aïssata Traoré")
    enrolment = enrol_user(participant, cohort.course, cohort)
    with django_capture_on_commit_callbacks(execute=True):
        record_lesson_completion(participant, cohort.course.lessons.get())
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert not Certificate.objects.exists()  # held: nothing issued on completion
    completed_enrolments(cohort, 3)
    old = timezone.now() - timedelta(hours=1)
    cohort.enrolments.update(completed_at=old)
    assert reconcile_certificates_task() == 0  # the sweep leaves held completions alone

    with django_capture_on_commit_callbacks(execute=True):
        assert close_cohort(cohort, by=facilitator) is True
    batch = CertificateBatch.objects.get(cohort=cohort)
    assert (batch.kind, batch.status, batch.done, batch.total) == (BatchKind.ISSUE, "done", 4, 4)
    assert issued_in(cohort) == 4
    assert Certificate.objects.get(enrolment=enrolment).participant_name == "Aïssata Traoré"
    cohort.refresh_from_db()
    assert cohort.closed_at is not None and not cohort.enrolment_open

    with django_capture_on_commit_callbacks(execute=True):
        assert close_cohort(cohort, by=facilitator) is False  # closing again changes nothing
    assert CertificateBatch.objects.count() == 1


def test_only_who_manages_the_cohort_may_close_it(cohort, participant):
    other = make_facilitator_user()
    for user in (participant, other):
        with pytest.raises(NotAllowed):
            close_cohort(cohort, by=user)
    cohort.refresh_from_db()
    assert cohort.closed_at is None


def test_a_batch_works_in_chunks_of_the_issuing_task_that_each_enqueue_the_next(
    cohort, facilitator
):
    completed_enrolments(cohort, CHUNK + 1)
    batch = services.start_certificate_batch(cohort, kind=BatchKind.ISSUE, by=facilitator)
    runs = []

    def count(sender, **kwargs):  # the worker's own signal: each run of a task
        runs.append((sender.name, kwargs["args"], kwargs["kwargs"]))

    task_prerun.connect(count)
    try:
        issue_certificates_task.delay([], batch=batch.pk)
    finally:
        task_prerun.disconnect(count)
    batch.refresh_from_db()
    # A full chunk, then the one left, enqueued by it: both runs of the one issuing task
    # (the emails of each chunk are their own task).
    issuing = [run for run in runs if run[0] == issue_certificates_task.name]
    assert issuing == [(issue_certificates_task.name, [[]], {"batch": batch.pk})] * 2
    assert (batch.status, batch.done, batch.total, batch.failed) == (
        "done", CHUNK + 1, CHUNK + 1, 0,
    )  # fmt: skip
    assert batch.percent == 100 and batch.finished_at is not None
    assert issued_in(cohort) == CHUNK + 1


def test_starting_twice_gives_the_unfinished_batch(cohort, facilitator):
    completed_enrolments(cohort, 2)
    first = services.start_certificate_batch(cohort, kind=BatchKind.ARCHIVE, by=facilitator)
    again = services.start_certificate_batch(cohort, kind=BatchKind.ARCHIVE, by=facilitator)
    assert again.pk == first.pk
    assert CertificateBatch.objects.count() == 1


def test_a_batch_held_by_another_worker_is_left_alone_until_its_lease_runs_out(cohort, facilitator):
    completed_enrolments(cohort, 2)
    batch = services.start_certificate_batch(cohort, kind=BatchKind.ISSUE, by=facilitator)
    CertificateBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING, claimed_until=timezone.now() + timedelta(minutes=1)
    )
    assert services.issue_batch_chunk(batch.pk) == (0, False)
    assert issued_in(cohort) == 0
    CertificateBatch.objects.filter(pk=batch.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert services.issue_batch_chunk(batch.pk) == (2, False)
    assert issued_in(cohort) == 2


# Committed for real: the files thread, where the storage is slow, writes on a connection of
# its own what the other worker does meanwhile.
@pytest.mark.django_db(transaction=True)
def test_a_chunk_taken_over_after_its_lease_ran_out_is_recorded_by_the_new_holder_only(
    cohort, facilitator, faulty_storage, monkeypatch
):
    first, second = completed_enrolments(cohort, 2)
    # The broker holds the batch's message: this test is the worker that runs the chunk.
    monkeypatch.setattr(issue_certificates_task, "delay", lambda *args, **kwargs: None)
    batch = services.start_certificate_batch(cohort, kind=BatchKind.ISSUE, by=facilitator)

    def slow_then_failing(number, _name):
        if number == 1:  # so slow that the lease runs out and the sweep's worker takes it
            CertificateBatch.objects.filter(pk=batch.pk).update(
                claimed_until=timezone.now() + timedelta(minutes=2)
            )
            connection.close()  # this thread's own connection
            return None
        return OSError("disk full")  # a failure this worker must not count

    faulty_storage.fault = slow_then_failing
    services.issue_batch_chunk(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.failed, batch.cursor) == (BatchStatus.RUNNING, 0, 0, 0)
    # The certificates keep their own state either way: one issued, one pending to retry.
    assert Certificate.objects.get(enrolment=first).status == CertificateStatus.ISSUED
    failed = Certificate.objects.get(enrolment=second)
    assert (failed.status, failed.attempts) == (CertificateStatus.PENDING, 1)


def test_the_sweep_resumes_a_batch_whose_message_was_lost(cohort, facilitator):
    completed_enrolments(cohort, 2)
    batch = services.start_certificate_batch(cohort, kind=BatchKind.ISSUE, by=facilitator)
    # Created in the test's transaction, its task never ran: as if the broker lost it.
    assert issued_in(cohort) == 0
    assert not services.list_stalled_batches().exists()  # too recent to call it stalled
    CertificateBatch.objects.filter(pk=batch.pk).update(
        updated_at=timezone.now() - timedelta(minutes=10)
    )
    reconcile_certificates_task()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert issued_in(cohort) == 2


def test_the_sweep_hands_a_stalled_zip_to_the_archive_task(cohort, facilitator):
    services.issue_certificates([e.pk for e in completed_enrolments(cohort, 2)])
    batch = services.start_certificate_batch(cohort, kind=BatchKind.ARCHIVE, by=facilitator)
    # Its message lost, and then, ten minutes on, found stalled by the sweep.
    CertificateBatch.objects.filter(pk=batch.pk).update(
        updated_at=timezone.now() - timedelta(minutes=10)
    )
    reconcile_certificates_task()
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.total) == (BatchStatus.DONE, 2, 2)
    assert batch.archive.name.endswith(".zip")


def test_one_failing_certificate_does_not_stop_the_batch(cohort, facilitator, faulty_storage):
    enrolments = completed_enrolments(cohort, 3)
    broken = enrolments[1].pk
    # The record exists, then its file fails to store (files go in enrolment order).
    faulty_storage.fail(OSError("storage unreachable"), on={2})
    batch = services.start_certificate_batch(cohort, kind=BatchKind.ISSUE, by=facilitator)
    issue_certificates_task.delay([], batch=batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.failed) == ("done", 3, 1)
    assert issued_in(cohort) == 2
    failed = Certificate.objects.get(enrolment_id=broken)
    assert failed.attempts == 1 and "storage unreachable" in failed.last_error
    assert not failed.needs_attention  # left to the sweep's retries


def test_reissuing_a_cohort_uses_the_corrected_names_and_keeps_history(
    cohort, admin_user, facilitator
):
    enrolments = completed_enrolments(cohort, 2, names=["Jose Nunez", "Maria Lopez"])
    services.issue_certificates([e.pk for e in enrolments])
    before = {c.pk: c.pdf_sha256 for c in Certificate.objects.all()}
    user = enrolments[0].user
    user.full_name = "José Núñez"
    user.save()

    with pytest.raises(NotAllowed):  # new content for every certificate: admins only
        services.start_certificate_batch(cohort, kind=BatchKind.REISSUE, by=facilitator)
    batch = services.start_certificate_batch(cohort, kind=BatchKind.REISSUE, by=admin_user)
    assert issue_certificates_task.delay([], batch=batch.pk).get() == 1  # one name changed
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.failed) == ("done", 2, 0)
    corrected = Certificate.objects.get(enrolment=enrolments[0])
    assert corrected.participant_name == "José Núñez"
    assert corrected.pdf_sha256 != before[corrected.pk]
    assert corrected.revisions.get().participant_name == "Jose Nunez"
    assert corrected.revisions.get().replaced_by == admin_user


def test_who_may_start_which_batch(cohort, participant, facilitator, admin_user):
    other_facilitator = make_facilitator_user()
    for kind in BatchKind.values:
        for user in (participant, other_facilitator):
            with pytest.raises(NotAllowed):
                services.start_certificate_batch(cohort, kind=kind, by=user)
        allowed = kind != BatchKind.REISSUE
        assert selectors.can_start_batch(facilitator, cohort, kind) is allowed
        assert selectors.can_start_batch(admin_user, cohort, kind) is True
    assert not CertificateBatch.objects.exists()


def test_a_cohort_zip_holds_every_pdf_and_an_index_and_replaces_the_previous_zip(
    cohort, facilitator, settings
):
    names = ["Nguyễn Thị Minh", "محمد عبد الله", "Ζωή Παπαδοπούλου", "A/B: Ortiz?"]
    services.issue_certificates([e.pk for e in completed_enrolments(cohort, 4, names=names)])
    first = services.start_certificate_batch(cohort, kind=BatchKind.ARCHIVE, by=facilitator)
    assert issue_certificates_task.delay([], batch=first.pk).get() == 0  # a ZIP issues nothing
    first.refresh_from_db()
    assert first.status == BatchStatus.QUEUED
    build_certificate_archive_task.delay(first.pk)
    first.refresh_from_db()
    assert (first.status, first.done, first.total) == ("done", 4, 4)

    with first.archive.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        members = archive.namelist()
        for certificate in Certificate.objects.all():
            member = next(m for m in members if certificate.code in m)
            assert hashlib.sha256(archive.read(member)).hexdigest() == certificate.pdf_sha256
            issued = timezone.localtime(certificate.issued_at)
            assert archive.getinfo(member).date_time[:3] == (issued.year, issued.month, issued.day)
        assert "A B Ortiz - " in " ".join(members)  # no folders or odd characters from a name
        index = list(csv.reader(io.StringIO(archive.read("certificates.csv").decode("utf-8-sig"))))
    assert sorted(row[0] for row in index[1:]) == sorted(names)

    second = services.start_certificate_batch(cohort, kind=BatchKind.ARCHIVE, by=facilitator)
    build_certificate_archive_task.delay(second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.archive.name == ""
    zips = list((settings.MEDIA_ROOT / "certificate-archives").iterdir())
    assert [p.name for p in zips] == [second.archive.name.rsplit("/", 1)[1]]


def test_building_a_zip_takes_no_more_memory_for_a_bigger_cohort(cohort, facilitator):
    def zip_peak():
        batch = services.start_certificate_batch(cohort, kind=BatchKind.ARCHIVE, by=facilitator)
        tracemalloc.start()
        try:
            services.build_certificate_archive(batch.pk)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    services.issue_certificates([e.pk for e in completed_enrolments(cohort, 6)])
    small = zip_peak()
    services.issue_certificates([e.pk for e in completed_enrolments(cohort, 30)])
    added_pdf_bytes = sum(c.pdf.size for c in Certificate.objects.all()[:30])
    large = zip_peak()
    # PDFs are streamed into the file one at a time: 30 more add a row each to the ZIP's
    # directory and the index (about 2 KB), not 30 PDFs.
    assert large - small < added_pdf_bytes / 5


def test_a_self_paced_cohort_cannot_be_closed_and_a_holding_one_issues_only_at_close(
    cohort, facilitator, admin_user
):
    default = cohort.course.cohorts.get(is_default=True)
    with pytest.raises(NotAllowed):
        close_cohort(default, by=admin_user)
    cohort.certificates_at_close = True
    cohort.save()
    completed_enrolments(cohort, 1)
    with pytest.raises(NotAllowed):
        services.start_certificate_batch(cohort, kind=BatchKind.ISSUE, by=facilitator)
    assert not CertificateBatch.objects.exists()


def test_a_batch_finishes_once(cohort, facilitator):
    batch = services.start_certificate_batch(cohort, kind=BatchKind.ARCHIVE, by=facilitator)
    assert batch.finish() is True
    assert batch.finish() is False  # again: nothing changes
    with pytest.raises(BatchFinished):
        batch.finish(error="too late to fail")
    batch.refresh_from_db()
    assert (batch.status, batch.error) == (BatchStatus.DONE, "")


def test_a_worker_that_lost_its_lease_finishes_nothing(cohort, facilitator):
    batch = services.start_certificate_batch(cohort, kind=BatchKind.ARCHIVE, by=facilitator)
    slow = CertificateBatch.objects.get(pk=batch.pk)  # read by a worker whose lease then ran out
    taken_over = timezone.now() + timedelta(minutes=5)
    CertificateBatch.objects.filter(pk=batch.pk).update(claimed_until=taken_over)

    assert slow.finish() is False

    batch.refresh_from_db()
    assert batch.claimed_until == taken_over and not batch.is_finished
