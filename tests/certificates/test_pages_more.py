"""More of the certificates' pages: a participant of the cohort kept out of its certificates
page, refused actions on it, junk typed into the verification form, the admin's actions with
bad input and by non-staff, and the verification API's rate limit."""

import io
import zipfile

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

import certificates.admin
from certificates import services
from certificates.models import (
    BatchKind,
    BatchStatus,
    Certificate,
    CertificateBatch,
    CertificateRevision,
    CertificateStatus,
)
from certificates.views import VerificationThrottle
from courses.models import EnrolmentStatus
from courses.services.enrolment import ensure_default_cohort
from tests.factories import enrol_user, make_cohort, make_completion, make_course

ADMIN_CERTIFICATES = "/admin/certificates/certificate/"


@pytest.fixture
def course(db):
    return make_course(modules=1, lessons_per_module=1, title="Buying with due diligence")


@pytest.fixture
def cohort(course, facilitator):
    cohort = make_cohort(course, name="Nairobi 2026")
    cohort.facilitators.add(facilitator)
    return cohort


@pytest.fixture
def _fresh_rate_limits(db):
    cache.clear()
    yield
    cache.clear()


def issued(cohort, **user_fields):
    enrolment = make_completion(cohort.course, cohort, **user_fields)
    (certificate,) = services.issue_certificates([enrolment.pk]).issued
    return certificate


def page_url(cohort):
    return reverse("facilitate-cohort-certificates", args=[cohort.pk])


def zip_url(batch):
    return reverse("facilitate-cohort-certificates-zip", args=[batch.cohort_id, batch.pk])


def progress_url(batch):
    return reverse("facilitate-cohort-batch-progress", args=[batch.cohort_id, batch.pk])


def finished_archive(cohort, by, django_capture_on_commit_callbacks):
    """A ZIP of the cohort's certificates built by the batch task (eager, after commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.start_certificate_batch(cohort, kind=BatchKind.ARCHIVE, by=by)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert batch.archive
    return batch


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def verification_rate():
    return int(VerificationThrottle.THROTTLE_RATES["certificate_verify"].split("/")[0])


# A participant of the cohort is not one who manages it


def test_a_participant_of_the_cohort_gets_not_found_everywhere_and_changes_nothing(
    client_for, cohort, facilitator, participant, django_capture_on_commit_callbacks
):
    own = enrol_user(participant, cohort.course, cohort)
    own.status = EnrolmentStatus.COMPLETED
    own.completed_at = timezone.now()
    own.save(update_fields=["status", "completed_at"])
    (own_certificate,) = services.issue_certificates([own.pk]).issued
    classmate = issued(cohort, full_name="Amina Diallo")
    archive = finished_archive(cohort, facilitator, django_capture_on_commit_callbacks)
    running = CertificateBatch.objects.create(
        cohort=cohort, kind=BatchKind.ISSUE, status=BatchStatus.RUNNING, total=10, done=4
    )
    batches_before = set(CertificateBatch.objects.values_list("pk", "status", "done", "total"))
    certificates_before = set(
        Certificate.objects.values_list("pk", "status", "pdf_sha256", "participant_name")
    )
    client = client_for(participant)

    responses = [client.get(page_url(cohort))]
    for action in ["close", *BatchKind.values]:
        with django_capture_on_commit_callbacks(execute=True):
            responses.append(client.post(page_url(cohort), {"action": action, "confirm": "yes"}))
    responses.append(client.get(zip_url(archive)))
    responses.append(client.get(progress_url(running)))

    assert [response.status_code for response in responses] == [404] * len(responses)
    for response in responses:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"Amina Diallo" not in body
        assert classmate.code.encode() not in body
    assert set(CertificateBatch.objects.values_list("pk", "status", "done", "total")) == (
        batches_before
    )
    assert (
        set(Certificate.objects.values_list("pk", "status", "pdf_sha256", "participant_name"))
        == certificates_before
    )
    assert not CertificateRevision.objects.exists()
    cohort.refresh_from_db()
    assert cohort.closed_at is None
    assert cohort.enrolment_open
    assert Certificate.objects.get(pk=own_certificate.pk).status == CertificateStatus.ISSUED


def test_an_admin_downloads_a_finished_zip(
    client_for, cohort, admin_user, django_capture_on_commit_callbacks
):
    certificate = issued(cohort, full_name="Amina Diallo")
    batch = finished_archive(cohort, admin_user, django_capture_on_commit_callbacks)

    response = client_for(admin_user).get(zip_url(batch))

    assert batch.requested_by == admin_user
    assert (batch.done, batch.total) == (1, 1)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="certificates-nairobi-2026.zip"'
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        member = f"Amina Diallo - {certificate.code}.pdf"
        assert set(archive.namelist()) == {member, "certificates.csv"}
        assert archive.read(member).startswith(b"%PDF")


# Actions the page refuses


@pytest.mark.parametrize("who", ["facilitator", "admin_user"])
def test_closing_the_self_paced_cohort_is_refused_with_a_message(
    client_for, request, course, who, django_capture_on_commit_callbacks
):
    default = ensure_default_cohort(course)
    visitor = request.getfixturevalue(who)
    if who == "facilitator":
        default.facilitators.add(visitor)
    make_completion(course, default)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(visitor).post(
            page_url(default), {"action": "close", "confirm": "yes"}, follow=True
        )

    assert response.redirect_chain == [(page_url(default), 302)]
    assert messages_of(response) == ["The self-paced cohort of a course stays open."]
    default.refresh_from_db()
    assert default.closed_at is None
    assert default.enrolment_open
    assert not CertificateBatch.objects.exists()
    assert not Certificate.objects.exists()


def test_issuing_for_a_cohort_holding_its_certificates_is_refused(
    client_for, course, facilitator, django_capture_on_commit_callbacks
):
    cohort = make_cohort(course, name="Lima 2026", certificates_at_close=True)
    cohort.facilitators.add(facilitator)
    make_completion(course, cohort)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(facilitator).post(page_url(cohort), {"action": "issue"}, follow=True)

    assert response.redirect_chain == [(page_url(cohort), 302)]
    assert messages_of(response) == ["This cohort's certificates are issued when it closes."]
    assert not CertificateBatch.objects.exists()
    assert not Certificate.objects.exists()
    cohort.refresh_from_db()
    assert cohort.closed_at is None


# Verification with junk


@pytest.mark.usefixtures("_fresh_rate_limits")
@pytest.mark.parametrize(
    "junk", ["!!!", "' OR 1=1 --", "<script>alert(1)</script>", "%00", "é" * 500, "-"]
)
def test_junk_in_the_verification_form_shows_the_form_again_and_reveals_nothing(
    client, cohort, junk
):
    certificate = issued(cohort, full_name="Amina Diallo")

    response = client.get(reverse("certificate-verify"), {"code": junk}, follow=True)

    assert response.redirect_chain[-1][1] == 302
    assert response.status_code == 404
    body = response.content.decode()
    assert "No such certificate: check the code and try again." in body
    assert 'name="code"' in body
    assert "Valid certificate" not in body
    assert "Amina Diallo" not in body
    assert certificate.code not in body
    assert "<script>" not in body


# The admin's actions


def test_revoking_in_the_admin_with_a_blank_reason_shows_the_form_again(
    client_for, cohort, admin_user
):
    certificate = issued(cohort)
    client = client_for(admin_user)

    for reason in ["", "   "]:
        response = client.post(
            ADMIN_CERTIFICATES,
            {"action": "revoke_selected", "_selected_action": [certificate.pk], "apply": "1",
             "reason": reason},
        )  # fmt: skip

        assert response.status_code == 200
        body = response.content.decode()
        assert 'name="reason"' in body
        assert "This field is required." in body
        assert certificate.code in body
        assert "certificate revoked" not in body
    still = Certificate.objects.get(pk=certificate.pk)
    assert still.status == CertificateStatus.ISSUED
    assert (still.revoked_at, still.revoke_reason, still.revoked_by) == (None, "", None)


def test_an_admin_reissues_through_the_action_with_the_same_code_and_a_revision(
    client_for, cohort, admin_user
):
    certificate = issued(cohort, full_name="Jose Nunez")
    user = certificate.enrolment.user
    user.full_name = "José Núñez"
    user.save(update_fields=["full_name"])

    response = client_for(admin_user).post(
        ADMIN_CERTIFICATES,
        {"action": "reissue_selected", "_selected_action": [certificate.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 certificate re-issued." in messages_of(response)
    reissued = Certificate.objects.get(pk=certificate.pk)
    assert reissued.code == certificate.code
    assert reissued.status == CertificateStatus.ISSUED
    assert reissued.participant_name == "José Núñez"
    assert reissued.pdf_sha256 != certificate.pdf_sha256
    revision = CertificateRevision.objects.get(certificate=certificate)
    assert revision.participant_name == "Jose Nunez"
    assert revision.pdf_sha256 == certificate.pdf_sha256
    assert revision.replaced_by == admin_user


def test_the_admins_reissue_action_refuses_more_than_a_request_should_render(
    client_for, cohort, admin_user, monkeypatch
):
    monkeypatch.setattr(certificates.admin, "REISSUE_IN_REQUEST", 1)
    first = issued(cohort, full_name="Jose Nunez")
    second = issued(cohort, full_name="Maria Lopez")
    for certificate in (first, second):
        certificate.enrolment.user.full_name += " Corrected"
        certificate.enrolment.user.save(update_fields=["full_name"])

    response = client_for(admin_user).post(
        ADMIN_CERTIFICATES,
        {"action": "reissue_selected", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )

    assert response.status_code == 200
    (message,) = messages_of(response)
    assert message.startswith("Select at most 1 certificates to re-issue at once.")
    assert not CertificateRevision.objects.exists()
    assert set(Certificate.objects.values_list("pdf_sha256", flat=True)) == {
        first.pdf_sha256,
        second.pdf_sha256,
    }


@pytest.mark.parametrize("who", ["participant", "facilitator"])
def test_non_staff_cannot_reach_the_admins_reissue_action(client_for, request, cohort, who):
    certificate = issued(cohort, full_name="Jose Nunez")
    user = certificate.enrolment.user
    user.full_name = "José Núñez"
    user.save(update_fields=["full_name"])
    client = client_for(request.getfixturevalue(who))

    response = client.post(
        ADMIN_CERTIFICATES, {"action": "reissue_selected", "_selected_action": [certificate.pk]}
    )

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    unchanged = Certificate.objects.get(pk=certificate.pk)
    assert (unchanged.participant_name, unchanged.pdf_sha256) == (
        "Jose Nunez",
        certificate.pdf_sha256,
    )
    assert not CertificateRevision.objects.exists()


# The verification API's rate limit


@pytest.mark.usefixtures("_fresh_rate_limits")
def test_api_look_ups_are_rate_limited_per_address(api_client, cohort):
    certificate = issued(cohort)
    rate = verification_rate()
    url = reverse("api-certificate-verify", args=["AAAA-BBBB-CCCC-DDDD"])

    statuses = [api_client.get(url).status_code for _ in range(rate)]
    limited = api_client.get(reverse("api-certificate-verify", args=[certificate.code]))

    assert statuses == [404] * rate
    assert limited.status_code == 429
    assert limited.json()["code"] == "throttled"
    assert "Retry-After" in limited
    assert certificate.code not in limited.content.decode()
    # A forged X-Forwarded-For does not make a new client (no proxies of ours are trusted).
    forged = api_client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert forged.status_code == 429
    # The page and the API share one budget per address.
    assert api_client.get(certificate.get_absolute_url()).status_code == 429
    # Another address has its own.
    other = api_client.get(
        reverse("api-certificate-verify", args=[certificate.code]), REMOTE_ADDR="198.51.100.7"
    )
    assert other.status_code == 200
    assert other.json()["valid"] is True
