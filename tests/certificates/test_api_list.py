"""GET /api/v1/certificates/: the signed-in user's own certificates; the PDF by Accept."""

import pytest
from django.utils import timezone

from certificates import services
from certificates.models import Certificate, CertificateStatus
from courses.models import EnrolmentStatus
from tests.factories import enrol_user, make_course, make_user

LIST_URL = "/api/v1/certificates/"


@pytest.fixture
def course(db):
    return make_course(modules=1, lessons_per_module=1, title="Buying with due diligence")


def issued_for(user, course):
    enrolment = enrol_user(user, course)
    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.completed_at = timezone.now()
    enrolment.save(update_fields=["status", "completed_at"])
    (certificate,) = services.issue_certificates([enrolment.pk]).issued
    return certificate


def test_a_participant_lists_their_own_certificates(api_client, course, db):
    owner = make_user(full_name="Ngozi Adichie")
    mine = issued_for(owner, course)
    issued_for(make_user(full_name="Someone Else"), course)
    api_client.force_authenticate(owner)

    response = api_client.get(LIST_URL)

    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["code"] == mine.code
    assert item["status"] == "issued"
    assert item["course"] == course.slug
    assert item["course_title"] == "Buying with due diligence"
    assert item["participant_name"] == "Ngozi Adichie"
    assert item["verification_url"] == f"http://testserver/certificates/verify/{mine.code}/"
    assert item["pdf_url"] == f"http://testserver/api/v1/certificates/{mine.code}/pdf/"
    assert api_client.get(item["pdf_url"]).status_code == 200


def test_revoked_and_pending_certificates_are_listed_without_a_pdf(api_client, admin_user):
    owner = make_user()
    revoked = issued_for(owner, make_course())
    services.revoke_certificate(revoked, reason="Issued in error.", by=admin_user)
    pending = issued_for(owner, make_course())
    Certificate.objects.filter(pk=pending.pk).update(status=CertificateStatus.PENDING)
    api_client.force_authenticate(owner)

    items = {i["code"]: i for i in api_client.get(LIST_URL).json()["results"]}

    assert items[revoked.code]["status"] == "revoked"
    assert items[revoked.code]["revoke_reason"] == "Issued in error."
    assert items[revoked.code]["pdf_url"] is None
    assert items[pending.code]["status"] == "pending"
    assert items[pending.code]["pdf_url"] is None


@pytest.mark.parametrize("role", ["facilitator", "admin_user", "other_participant"])
def test_nobody_else_sees_a_participants_certificates(api_client, course, request, role):
    issued_for(make_user(), course)
    api_client.force_authenticate(request.getfixturevalue(role))

    response = api_client.get(LIST_URL)

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_an_anonymous_client_is_refused(api_client, db):
    response = api_client.get(LIST_URL)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_list_makes_a_bounded_number_of_queries(api_client, db, django_assert_max_num_queries):
    owner = make_user()
    for _ in range(8):
        issued_for(owner, make_course())
    api_client.force_authenticate(owner)

    with django_assert_max_num_queries(3):
        response = api_client.get(LIST_URL)

    assert len(response.json()["results"]) == 8


def test_the_pdf_can_be_asked_for_by_its_media_type(api_client, course, db):
    owner = make_user()
    certificate = issued_for(owner, course)
    api_client.force_authenticate(owner)

    response = api_client.get(
        f"/api/v1/certificates/{certificate.code}/pdf/", HTTP_ACCEPT="application/pdf"
    )
    missing = api_client.get("/api/v1/certificates/NOPE-NOPE/pdf/", HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert missing.status_code == 404
    assert missing.json() == {"code": "not_found", "detail": "Not found."}
