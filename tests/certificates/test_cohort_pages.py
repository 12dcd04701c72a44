"""A cohort's certificates page for those who manage it: the summary, the work on all
certificates at once (close and issue, issue what is missing, re-issue, a ZIP), its progress
and the ZIP's download, for every kind of visitor."""

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates import services
from certificates.models import (
    BatchKind,
    BatchStatus,
    Certificate,
    CertificateBatch,
    CertificateRevision,
    CertificateStatus,
)
from tests.courses.test_views import assert_accessible_page
from tests.factories import (
    make_cohort,
    make_completion,
    make_course,
    make_facilitator_user,
    make_user,
)


@pytest.fixture
def course(db):
    return make_course(modules=1, lessons_per_module=1, title="Buying with due diligence")


@pytest.fixture
def cohort(course, facilitator):
    cohort = make_cohort(course, name="Nairobi 2026")
    cohort.facilitators.add(facilitator)
    return cohort


def complete(cohort, **user_fields):
    """A participant of the cohort who has completed the course (no certificate yet)."""
    return make_completion(cohort.course, cohort, **user_fields)


def issued(cohort, **user_fields):
    enrolment = complete(cohort, **user_fields)
    (certificate,) = services.issue_certificates([enrolment.pk]).issued
    return certificate


def page_url(cohort):
    return reverse("facilitate-cohort-certificates", args=[cohort.pk])


def zip_url(batch):
    return reverse("facilitate-cohort-certificates-zip", args=[batch.cohort_id, batch.pk])


def progress_url(batch):
    return reverse("facilitate-cohort-batch-progress", args=[batch.cohort_id, batch.pk])


def running_batch(cohort, kind=BatchKind.ISSUE, **fields):
    fields = {"status": BatchStatus.RUNNING, "total": 10, "done": 4, **fields}
    return CertificateBatch.objects.create(cohort=cohort, kind=kind, **fields)


def finished_zip(client, cohort, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url(cohort), {"action": "archive"})
    return CertificateBatch.objects.get(cohort=cohort, kind=BatchKind.ARCHIVE)


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


# Who may see and do what


def test_anonymous_visitors_are_sent_to_sign_in(client, cohort):
    batch = running_batch(cohort)
    for method, url in [
        ("get", page_url(cohort)),
        ("post", page_url(cohort)),
        ("get", zip_url(batch)),
        ("get", progress_url(batch)),
    ]:
        response = getattr(client, method)(url, {"action": "issue"} if method == "post" else {})

        assert response.status_code == 302
        assert response.url == f"{reverse('account_login')}?next={url}"
    assert CertificateBatch.objects.count() == 1


@pytest.mark.parametrize("who", ["participant", "other_facilitator"])
@pytest.mark.parametrize("action", ["close", *BatchKind.values])
def test_who_does_not_manage_the_cohort_gets_not_found_and_starts_nothing(
    client_for, cohort, participant, who, action, django_capture_on_commit_callbacks
):
    visitor = participant if who == "participant" else make_facilitator_user()
    if who == "other_facilitator":
        make_cohort(cohort.course).facilitators.add(visitor)
    issued(cohort)
    client = client_for(visitor)

    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(page_url(cohort), {"action": action, "confirm": "yes"})

    assert posted.status_code == 404
    assert client.get(page_url(cohort)).status_code == 404
    assert not CertificateBatch.objects.exists()
    cohort.refresh_from_db()
    assert cohort.closed_at is None


@pytest.mark.parametrize("who", ["participant", "other_facilitator"])
def test_who_does_not_manage_the_cohort_gets_no_zip_and_no_progress(
    client_for, cohort, participant, facilitator, who, django_capture_on_commit_callbacks
):
    issued(cohort)
    batch = finished_zip(client_for(facilitator), cohort, django_capture_on_commit_callbacks)
    visitor = participant if who == "participant" else make_facilitator_user()
    if who == "other_facilitator":
        make_cohort(cohort.course).facilitators.add(visitor)
    client = client_for(visitor)

    assert client.get(zip_url(batch)).status_code == 404
    assert client.get(progress_url(batch)).status_code == 404


def test_a_facilitator_of_the_cohort_sees_the_summary_and_what_they_may_do(
    client_for, cohort, facilitator
):
    issued(cohort, full_name="Amina Diallo")
    complete(cohort)

    response = client_for(facilitator).get(page_url(cohort))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Certificates of <bdi>Nairobi 2026</bdi>" in body
    assert "Buying with due diligence" in body
    assert response.context["summary"] == {
        "completed": 2, "issued": 1, "revoked": 0, "pending": 0, "needs_attention": 0,
        "missing": 1,
    }  # fmt: skip
    assert 'value="close"' in body
    assert 'value="issue"' in body
    assert 'value="archive"' in body
    assert 'value="reissue"' not in body  # admins only
    assert "csrfmiddlewaretoken" in body
    assert_accessible_page(response)


def test_an_admin_may_also_reissue(client_for, cohort, admin_user):
    issued(cohort)

    response = client_for(admin_user).get(page_url(cohort))

    assert response.status_code == 200
    assert 'value="reissue"' in response.content.decode()
    assert_accessible_page(response)


def test_actions_show_only_when_there_is_something_to_do(client_for, cohort, facilitator):
    body = client_for(facilitator).get(page_url(cohort)).content.decode()

    assert 'value="close"' in body
    for action in BatchKind.values:
        assert f'value="{action}"' not in body
    assert "Nothing has been started for this cohort yet." in body


def test_the_default_cohort_offers_no_close(client_for, course, admin_user):
    default = course.cohorts.get(is_default=True)

    body = client_for(admin_user).get(page_url(default)).content.decode()

    assert 'value="close"' not in body


def test_a_facilitator_asking_to_reissue_is_refused_and_nothing_starts(
    client_for, cohort, facilitator, django_capture_on_commit_callbacks
):
    certificate = issued(cohort)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(facilitator).post(
            page_url(cohort), {"action": "reissue"}, follow=True
        )

    assert response.redirect_chain == [(page_url(cohort), 302)]
    assert messages_of(response) == ["You are not allowed to do this."]
    assert not CertificateBatch.objects.exists()
    assert not CertificateRevision.objects.filter(certificate=certificate).exists()


def test_an_admin_reissues_every_certificate_with_current_names(
    client_for, cohort, admin_user, django_capture_on_commit_callbacks
):
    certificate = issued(cohort, full_name="Jose Nunez")
    certificate.enrolment.user.full_name = "José Núñez"
    certificate.enrolment.user.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(page_url(cohort), {"action": "reissue"}, follow=True)

    batch = CertificateBatch.objects.get(cohort=cohort)
    assert (batch.kind, batch.status, batch.done, batch.total) == (
        BatchKind.REISSUE, BatchStatus.DONE, 1, 1,
    )  # fmt: skip
    assert batch.requested_by == admin_user
    certificate.refresh_from_db()
    assert certificate.participant_name == "José Núñez"
    assert messages_of(response) == [
        "Re-issuing the certificates has started. It runs in the background: its progress "
        "shows below."
    ]


def test_an_unknown_action_is_a_bad_request_and_changes_nothing(client_for, cohort, admin_user):
    issued(cohort)
    client = client_for(admin_user)

    for data in [{"action": "delete"}, {"action": ""}, {}]:
        assert client.post(page_url(cohort), data).status_code == 400
    assert not CertificateBatch.objects.exists()
    cohort.refresh_from_db()
    assert cohort.closed_at is None


# Closing and issuing


def test_a_cohort_holding_its_certificates_says_so_and_offers_no_issuing(
    client_for, course, facilitator
):
    cohort = make_cohort(course, name="Lima 2026", certificates_at_close=True)
    cohort.facilitators.add(facilitator)
    complete(cohort)

    body = client_for(facilitator).get(page_url(cohort)).content.decode()

    assert "issued together when it closes" in body
    assert "1 participant has completed the course and is waiting" in body
    assert 'value="issue"' not in body
    assert 'value="close"' in body


def test_closing_the_cohort_from_the_page_issues_the_held_certificates(
    client_for, course, facilitator, django_capture_on_commit_callbacks
):
    cohort = make_cohort(course, name="Lima 2026", certificates_at_close=True)
    cohort.facilitators.add(facilitator)
    enrolments = [complete(cohort), complete(cohort)]
    services.issue_certificates([enrolments[0].pk])  # held: issues nothing
    assert not Certificate.objects.exists()

    client = client_for(facilitator)

    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(page_url(cohort), {"action": "close", "confirm": "yes"})
    response = client.get(posted.url)

    cohort.refresh_from_db()
    assert cohort.closed_at is not None
    assert not cohort.enrolment_open
    assert set(Certificate.objects.values_list("enrolment_id", "status")) == {
        (enrolments[0].pk, CertificateStatus.ISSUED),
        (enrolments[1].pk, CertificateStatus.ISSUED),
    }
    batch = CertificateBatch.objects.get(cohort=cohort)
    assert (batch.kind, batch.status, batch.done, batch.requested_by) == (
        BatchKind.ISSUE, BatchStatus.DONE, 2, None,
    )  # fmt: skip
    assert messages_of(response)[0].startswith("The cohort is closed and enrolment has stopped.")
    body = response.content.decode()
    assert 'value="close"' not in body
    assert "This cohort closed on" in body
    assert "2 of 2" in body


def test_closing_needs_the_box_ticked(client_for, cohort, facilitator):
    response = client_for(facilitator).post(page_url(cohort), {"action": "close"}, follow=True)

    assert messages_of(response) == ["Tick the box to confirm that enrolment stops."]
    cohort.refresh_from_db()
    assert cohort.closed_at is None
    assert cohort.enrolment_open


def test_closing_a_closed_cohort_says_so(client_for, cohort, facilitator):
    cohort.closed_at = timezone.now()
    cohort.save()

    response = client_for(facilitator).post(
        page_url(cohort), {"action": "close", "confirm": "yes"}, follow=True
    )

    assert messages_of(response) == ["This cohort was already closed."]
    assert not CertificateBatch.objects.exists()


def test_issuing_missing_certificates_from_the_page(
    client_for, cohort, facilitator, django_capture_on_commit_callbacks
):
    issued(cohort)
    missing = complete(cohort)

    client = client_for(facilitator)

    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(page_url(cohort), {"action": "issue"})
    response = client.get(posted.url)

    assert Certificate.objects.get(enrolment=missing).status == CertificateStatus.ISSUED
    assert CertificateBatch.objects.get(cohort=cohort).status == BatchStatus.DONE
    assert messages_of(response)[0].startswith("Issuing the missing certificates has started.")
    assert 'value="issue"' not in response.content.decode()  # nothing missing any more


def test_pressing_again_while_the_work_runs_starts_nothing_new(client_for, cohort, facilitator):
    issued(cohort)
    batch = running_batch(cohort, kind=BatchKind.ARCHIVE)

    response = client_for(facilitator).post(page_url(cohort), {"action": "archive"}, follow=True)

    assert list(CertificateBatch.objects.all()) == [batch]
    assert messages_of(response) == ["This is already under way: its progress shows below."]


# Progress


def test_unfinished_work_shows_its_progress_polls_and_offers_a_refresh_link(
    client_for, cohort, facilitator
):
    batch = running_batch(cohort, failed=1)

    response = client_for(facilitator).get(page_url(cohort))

    body = response.content.decode()
    assert f'data-batch-progress="{progress_url(batch)}"' in body
    assert '<progress max="10" value="4"' in body
    assert "4 of 10" in body
    assert "1 failed" in body
    assert f'<a href="{page_url(cohort)}" data-batch-refresh>Refresh</a>' in body
    assert "js/batch-progress" in body and " defer>" in body
    assert 'aria-live="polite"' in body


def test_finished_work_is_not_polled(client_for, cohort, facilitator):
    running_batch(cohort, status=BatchStatus.DONE, done=10, finished_at=timezone.now())

    body = client_for(facilitator).get(page_url(cohort)).content.decode()

    assert "data-batch-progress=" not in body
    assert "batch-progress.js" not in body
    assert "data-batch-refresh" not in body
    assert "10 of 10" in body


@pytest.mark.parametrize("who", ["facilitator", "admin_user"])
def test_progress_as_json_for_the_pages_script(client_for, request, cohort, who):
    batch = running_batch(cohort, failed=1)

    response = client_for(request.getfixturevalue(who)).get(progress_url(batch))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    assert response.json() == {
        "status": "running",
        "status_label": "Running",
        "done": 4,
        "total": 10,
        "failed": 1,
        "percent": 40,
        "finished": False,
        "progress_text": "4 of 10",
        "failed_text": "1 failed",
    }


def test_progress_of_finished_work_says_it_is_finished(client_for, cohort, facilitator):
    batch = running_batch(cohort, status=BatchStatus.DONE, done=10)

    data = client_for(facilitator).get(progress_url(batch)).json()

    assert (data["finished"], data["percent"], data["status_label"]) == (True, 100, "Done")
    assert data["failed_text"] == ""


def test_a_batch_of_another_cohort_is_not_found_under_this_one(client_for, cohort, facilitator):
    other = make_cohort(cohort.course)
    other.facilitators.add(facilitator)
    batch = running_batch(other)

    url = reverse("facilitate-cohort-batch-progress", args=[cohort.pk, batch.pk])

    assert client_for(facilitator).get(url).status_code == 404


# The ZIP


def test_a_finished_zip_downloads_with_every_pdf_inside(
    client_for, cohort, facilitator, django_capture_on_commit_callbacks
):
    first = issued(cohort, full_name="Amina Diallo")
    second = issued(cohort, full_name="نور الهدى")
    complete(cohort)  # no certificate: not in the ZIP
    client = client_for(facilitator)
    batch = finished_zip(client, cohort, django_capture_on_commit_callbacks)
    assert (batch.status, batch.done, batch.total) == (BatchStatus.DONE, 2, 2)

    page = client.get(page_url(cohort)).content.decode()
    response = client.get(zip_url(batch))

    assert zip_url(batch) in page
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="certificates-nairobi-2026.zip"'
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        names = set(archive.namelist())
        assert names == {
            f"Amina Diallo - {first.code}.pdf",
            f"نور الهدى - {second.code}.pdf",
            "certificates.csv",
        }
        assert archive.read(f"Amina Diallo - {first.code}.pdf").startswith(b"%PDF")
        assert first.code in archive.read("certificates.csv").decode("utf-8-sig")


def test_a_cohort_name_in_another_script_names_the_zip_by_its_id(
    client_for, course, facilitator, django_capture_on_commit_callbacks
):
    cohort = make_cohort(course, name="القاهرة")
    cohort.facilitators.add(facilitator)
    issued(cohort)
    client = client_for(facilitator)
    batch = finished_zip(client, cohort, django_capture_on_commit_callbacks)

    response = client.get(zip_url(batch))

    assert response["Content-Disposition"] == (
        f'attachment; filename="certificates-cohort-{cohort.pk}.zip"'
    )


def test_no_zip_for_unfinished_other_kinds_or_lost_files(
    client_for, cohort, facilitator, django_capture_on_commit_callbacks
):
    issued(cohort)
    client = client_for(facilitator)
    done = finished_zip(client, cohort, django_capture_on_commit_callbacks)
    other = make_cohort(cohort.course)
    other.facilitators.add(facilitator)
    unfinished = running_batch(other, kind=BatchKind.ARCHIVE)
    issuing = running_batch(cohort, status=BatchStatus.DONE, done=10)

    assert client.get(zip_url(unfinished)).status_code == 404
    assert client.get(zip_url(issuing)).status_code == 404
    under_another_cohort = reverse("facilitate-cohort-certificates-zip", args=[other.pk, done.pk])
    assert client.get(under_another_cohort).status_code == 404
    done.archive.storage.delete(done.archive.name)
    assert client.get(zip_url(done)).status_code == 404


def test_a_replaced_zip_is_no_longer_offered(
    client_for, cohort, facilitator, django_capture_on_commit_callbacks
):
    issued(cohort)
    client = client_for(facilitator)
    old = finished_zip(client, cohort, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url(cohort), {"action": "archive"})
    new = CertificateBatch.objects.exclude(pk=old.pk).get(kind=BatchKind.ARCHIVE)

    body = client.get(page_url(cohort)).content.decode()

    assert client.get(zip_url(old)).status_code == 404
    assert client.get(zip_url(new)).status_code == 200
    assert zip_url(old) not in body
    assert "Replaced by a newer ZIP" in body


# Queries, and the ways in


def test_the_page_takes_a_bounded_number_of_queries(
    client_for, cohort, facilitator, django_assert_max_num_queries
):
    client = client_for(facilitator)
    for round_ in range(2):
        for _ in range(6):
            complete(cohort)
        for kind in BatchKind.values:
            running_batch(cohort, kind=kind, status=BatchStatus.DONE, done=10,
                          requested_by=make_user())  # fmt: skip
        if round_:
            issued(cohort)
        with django_assert_max_num_queries(8):
            response = client.get(page_url(cohort))
        assert response.status_code == 200
    assert len(response.context["batches"]) == 6


def test_progress_takes_a_bounded_number_of_queries(
    client_for, cohort, facilitator, django_assert_max_num_queries
):
    batch = running_batch(cohort)
    client = client_for(facilitator)

    with django_assert_max_num_queries(4):
        assert client.get(progress_url(batch)).status_code == 200


def test_the_cohort_list_links_to_each_cohorts_certificates(client_for, cohort, facilitator):
    body = client_for(facilitator).get(reverse("facilitate-cohorts")).content.decode()

    assert f'href="{page_url(cohort)}"' in body
    assert 'aria-label="Certificates of Nairobi 2026 (Buying with due diligence)"' in body


def test_admins_read_batches_in_the_admin_and_reach_the_cohort_page(client_for, cohort, admin_user):
    batch = running_batch(cohort, requested_by=admin_user)
    client = client_for(admin_user)

    listing = client.get(reverse("admin:certificates_certificatebatch_changelist"))
    detail = client.get(reverse("admin:certificates_certificatebatch_change", args=[batch.pk]))

    assert listing.status_code == 200
    assert f'href="{page_url(cohort)}"' in listing.content.decode()
    assert "4 of 10" in listing.content.decode()
    assert detail.status_code == 200  # to read
    assert client.get(reverse("admin:certificates_certificatebatch_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:certificates_certificatebatch_delete", args=[batch.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert CertificateBatch.objects.filter(pk=batch.pk).exists()
