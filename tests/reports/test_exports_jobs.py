"""Exports too large to send at once: a job prepared in the background with its progress, an
email when ready, a file for the requester alone until it expires (410 after), the purge, the
task run twice, the sweep, and the same request asked twice."""

import datetime
import json
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from courses.models import Enrolment
from reports.exports import jobs
from reports.exports.email import send_export_ready_email
from reports.exports.tasks import (
    purge_expired_exports_task,
    resume_stalled_exports_task,
    run_export_task,
)
from reports.models import ExportJob, ExportStatus
from tests.factories import make_cohort, make_course, make_user

from .conftest import enrolment
from .test_exports import API, PAGE, ask, ask_api, body, read_csv, read_xlsx, xlsx_rows

ROWS = 5


@pytest.fixture(autouse=True)
def _small_threshold(settings, tmp_path):
    """Exports of more than 3 rows are jobs here; files go to a folder of the test's own."""
    settings.EXPORT_STREAM_MAX_ROWS = 3
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def course(db, min_cell):
    min_cell(1)
    course = make_course(slug="foundations", modules=1, lessons_per_module=1)
    for n in range(ROWS):
        enrolment(course, enrolled=f"2026-03-{n + 1:02d}", full_name=f"Participant {n}",
                  country="KE")  # fmt: skip
    return course


def stored_files(settings) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "exports"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_large_export_is_prepared_in_the_background_and_emailed(
    client_for, admin_user, course, settings, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, "completions", "csv")

    job = ExportJob.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"{PAGE}#export-{job.pk}"
    assert (job.status, job.rows_done, job.rows_total) == ("done", ROWS, ROWS)
    assert job.expires_at - job.finished_at == datetime.timedelta(days=7)
    assert [p.suffix for p in stored_files(settings)] == [".csv"]
    # An email to the requester, linking to their exports page, not to the file.
    [email] = mail.outbox
    assert email.to == [admin_user.email]
    assert "Your export is ready: Enrolments and completions" in email.subject
    assert f"/reports/exports/#export-{job.pk}" in email.body
    assert "/download/" not in email.body and str(job.file) not in email.body
    # The page lists it with its download, which is the file.
    page = client.get(PAGE)
    download = reverse("reports-export-download", args=[job.pk])
    assert f'href="{download}"' in page.content.decode()
    rows = read_csv(client.get(download))
    assert len(rows) == ROWS + 1 and rows[1][rows[0].index("Name")] == "Participant 0"
    # Sent once, however often it is asked.
    assert send_export_ready_email(job.pk) is False
    assert len(mail.outbox) == 1


def test_progress_is_written_as_rows_are(
    client_for, admin_user, min_cell, django_capture_on_commit_callbacks
):
    min_cell(1)
    course = make_course(slug="large", modules=1, lessons_per_module=1)
    cohort = course.cohorts.get(is_default=True)
    total = jobs.PROGRESS_EVERY + 1  # one progress report on the way, then the end
    users = User.objects.bulk_create(
        User(email=f"p{n}@example.org", full_name=f"Participant {n}") for n in range(total)
    )
    Enrolment.objects.bulk_create(Enrolment(user=u, cohort=cohort, course=course) for u in users)
    seen = []  # the job as another session (the exports page) finds it after each statement
    looking = []

    def look_after_each_statement(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not looking:
            looking.append(True)
            seen.append(ExportJob.objects.values_list("status", "rows_done").first())
            looking.clear()
        return result

    with (
        connection.execute_wrapper(look_after_each_statement),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ask(client_for(admin_user), "completions", "csv")

    running = [done for status, done in filter(None, seen) if status == "running"]
    assert jobs.PROGRESS_EVERY in running  # written while rows were still being written
    assert running == sorted(running)
    job = ExportJob.objects.get()
    assert (job.status, job.rows_done, job.percent) == ("done", total, 100)
    with job.file.open("rb") as file:
        assert file.read().count(b"\n") == total + 1  # the header, then a line a row


def test_an_xlsx_job_writes_a_workbook_of_every_row(
    client_for, admin_user, course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ask(client_for(admin_user), "completions", "xlsx")

    job = ExportJob.objects.get()
    assert (job.status, job.rows_done, job.percent) == ("done", ROWS, 100)
    with job.file.open("rb") as file:
        header, *rows = xlsx_rows(read_xlsx(_Response(file.read())))
    assert len(rows) == ROWS and header[0] == "Enrolment"


class _Response:
    """A file's bytes, read as a response's."""

    streaming = False

    def __init__(self, content):
        self.content = content


def test_the_api_answers_with_a_job_to_follow(
    api_client, admin_user, course, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(admin_user)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = ask_api(api_client, "completions", "json", country="KE")

    assert response.status_code == 201
    job = response.json()
    assert response["Location"].endswith(f"{API}{job['id']}/")
    assert (job["kind"], job["format"], job["status"]) == ("completions", "json", "queued")
    assert (job["rows_total"], job["percent"], job["download_url"]) == (ROWS, 0, None)
    assert job["parameters"] == {"country": "KE"}
    assert api_client.get(f"{API}{job['id']}/file/").json()["code"] == "not_ready"

    for callback in callbacks:  # the task, as a worker runs it
        callback()

    job = api_client.get(f"{API}{job['id']}/").json()
    assert (job["status"], job["percent"]) == ("done", 100)
    assert job["download_url"] == f"http://testserver{API}{job['id']}/file/"
    response = api_client.get(job["download_url"])
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = json.loads(body(response))
    assert [row["name"] for row in data["rows"]] == [f"Participant {n}" for n in range(ROWS)]


def test_asking_twice_prepares_one_file(
    client_for, admin_user, course, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)

    with django_capture_on_commit_callbacks(execute=False):
        first = ask(client, "completions", "csv")
        second = client.post(PAGE, {"kind": "completions", "format": "csv"}, follow=True)

    assert ExportJob.objects.count() == 1
    assert first["Location"] == second.redirect_chain[0][0]
    assert "already being prepared" in second.content.decode()
    # Another format is another export.
    with django_capture_on_commit_callbacks(execute=False):
        ask(client, "completions", "xlsx")
    assert ExportJob.objects.count() == 2


def test_the_task_run_twice_makes_one_file(
    client_for, admin_user, course, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        ask(client_for(admin_user), "completions", "csv")
    job = ExportJob.objects.get()

    run_export_task.delay(job.pk)
    run_export_task.delay(job.pk)  # a duplicate delivery: the job is done
    assert len(stored_files(settings)) == 1
    # A worker killed after publishing, before recording it: prepared again, the same file.
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, claimed_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    run_export_task.delay(job.pk)

    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 2
    assert [p.name for p in stored_files(settings)] == [Path(job.file.name).name]


def test_a_job_held_by_another_worker_is_left_alone(client_for, admin_user, course):
    job = _queued_job(client_for(admin_user))
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, claimed_until=timezone.now() + datetime.timedelta(minutes=1)
    )

    assert jobs.run_export(job.pk) is False

    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 0)


def _queued_job(client, **parameters):
    from django.db import transaction

    with transaction.atomic():  # the task is never enqueued: as if the broker lost it
        response = ask(client, "completions", "csv", **parameters)
        transaction.set_rollback(False)
    assert response.status_code == 303
    return ExportJob.objects.latest("pk")


def test_the_sweep_picks_up_a_lost_job_and_a_killed_worker(
    client_for, admin_user, course, settings, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    lost = _queued_job(client)
    killed = _queued_job(client, country="KE")
    a_while_ago = timezone.now() - datetime.timedelta(minutes=2)
    ExportJob.objects.filter(pk=lost.pk).update(updated_at=a_while_ago)
    ExportJob.objects.filter(pk=killed.pk).update(
        status=ExportStatus.RUNNING, claimed_until=a_while_ago, updated_at=a_while_ago, attempts=1
    )
    recent = _queued_job(client, **{"from": "2026-03-01"})  # its message may be on its way

    with django_capture_on_commit_callbacks(execute=True):  # the emails
        assert resume_stalled_exports_task.delay().get() == 2

    statuses = dict(ExportJob.objects.values_list("pk", "status"))
    assert statuses == {lost.pk: "done", killed.pk: "done", recent.pk: "queued"}
    assert len(mail.outbox) == 2


def test_a_job_that_keeps_killing_its_worker_fails(client_for, admin_user, course):
    job = _queued_job(client_for(admin_user))
    ExportJob.objects.filter(pk=job.pk).update(attempts=jobs.MAX_ATTEMPTS)

    run_export_task.delay(job.pk)

    job.refresh_from_db()
    assert job.status == "failed" and "attempts" in job.error
    page = client_for(admin_user).get(PAGE).content.decode()
    assert "Ask for it again; if it fails again, tell an administrator." in page


def test_a_requester_who_lost_access_gets_no_file(
    client_for, facilitator, course, django_capture_on_commit_callbacks
):
    cohort = make_cohort(course)
    cohort.facilitators.add(facilitator)
    for _n in range(ROWS):
        enrolment(course, enrolled="2026-03-02", cohort=cohort)
    client = client_for(facilitator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ask(client, "cohort_progress", "csv", cohort=cohort.pk)
    job = ExportJob.objects.get()

    cohort.facilitators.remove(facilitator)  # before the worker gets to it
    for callback in callbacks:
        callback()

    job.refresh_from_db()
    assert job.status == "failed" and not job.file
    assert client.get(reverse("reports-export-download", args=[job.pk])).status_code == 409

    # Removed after the file was made: the file is out of reach too.
    cohort.facilitators.add(facilitator)
    job = _finished_cohort_job(client, cohort, django_capture_on_commit_callbacks)
    cohort.facilitators.remove(facilitator)
    assert client.get(reverse("reports-export-download", args=[job.pk])).status_code == 404


def _finished_cohort_job(client, cohort, capture):
    with capture(execute=True):
        ask(client, "cohort_progress", "xlsx", cohort=cohort.pk)
    job = ExportJob.objects.latest("pk")
    assert job.status == "done"
    return job


def test_an_expired_export_is_gone_with_a_clear_410_and_the_purge_deletes_its_file(
    client_for, api_client, admin_user, course, settings, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    api_client.force_authenticate(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, "completions", "csv")
    job = ExportJob.objects.get()
    download = reverse("reports-export-download", args=[job.pk])
    assert client.get(download).status_code == 200
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now())

    response = client.get(download)  # past its expiry, not purged yet
    assert response.status_code == 410
    assert "This export has expired and its file was deleted." in response.content.decode()
    assert api_client.get(f"{API}{job.pk}/file/").json()["code"] == "expired"
    assert api_client.get(f"{API}{job.pk}/").json()["download_url"] is None

    assert purge_expired_exports_task.delay().get() == 1

    job.refresh_from_db()
    assert (job.status, job.file.name) == ("expired", "")
    assert stored_files(settings) == []
    assert client.get(download).status_code == 410
    assert "Deleted: ask for it again" in client.get(PAGE).content.decode()


def test_the_purge_leaves_exports_within_their_week_and_removes_half_built_files(
    client_for, admin_user, course, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ask(client_for(admin_user), "completions", "csv")
    leftover = Path(settings.MEDIA_ROOT) / "exports" / ".partial-abc.csv"
    leftover.write_text("half")
    two_days_ago = (timezone.now() - datetime.timedelta(days=2)).timestamp()
    import os

    os.utime(leftover, (two_days_ago, two_days_ago))

    call_command("purge_expired_exports", stdout=open(os.devnull, "w"))  # noqa: SIM115

    assert ExportJob.objects.get().status == "done"
    assert [p.suffix for p in stored_files(settings)] == [".csv"]


def test_the_exports_page_lists_ones_own_with_bounded_queries(
    client_for, admin_user, course, django_assert_max_num_queries
):
    other = make_user(is_staff=True)
    for user in (admin_user, other):
        client = client_for(user)
        for parameters in ({}, {"country": "KE"}, {"from": "2026-03-01"}):
            _queued_job(client, **parameters)
    client = client_for(admin_user)

    with django_assert_max_num_queries(4):
        response = client.get(PAGE)

    page = response.content.decode()
    assert page.count('id="export-') == 3
    assert "<progress" in page and "Refresh" in page


def test_the_sweep_sends_a_ready_email_that_was_lost(
    client_for, admin_user, course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ask(client_for(admin_user), "completions", "csv")
    job = ExportJob.objects.get()
    jobs.run_export(job.pk)  # done; its email task never enqueued
    assert not mail.outbox
    ExportJob.objects.filter(pk=job.pk).update(
        finished_at=timezone.now() - datetime.timedelta(minutes=10)
    )

    resume_stalled_exports_task.delay()

    assert len(mail.outbox) == 1 and len(callbacks) == 1
    resume_stalled_exports_task.delay()
    assert len(mail.outbox) == 1
