"""GET /api/v1/certificates/: the signed-in user's own certificates, a cohort's for those who
manage it, every certificate for admins; the PDF by Accept."""

import pytest
from django.utils import timezone

from certificates import services
from certificates.models import Certificate, CertificateStatus
from courses.models import EnrolmentStatus
from tests.factories import enrol_user, make_cohort, make_course, make_user

LIST_URL = "/api/v1/certificates/"


@pytest.fixture
def course(db):
    return make_course(modules=1, lessons_per_module=1, title="Buying with due diligence")


def issued_for(user, course, cohort=None):
    enrolment = enrol_user(user, course, cohort)
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
    assert item["cohort"] == mine.enrolment.cohort_id
    assert item["enrolment"] == mine.enrolment_id
    assert item["issued_at"] is not None
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


@pytest.mark.parametrize("role", ["facilitator", "other_participant"])
def test_without_a_cohort_nobody_else_sees_a_participants_certificates(
    api_client, course, request, role
):
    issued_for(make_user(), course)
    api_client.force_authenticate(request.getfixturevalue(role))

    response = api_client.get(LIST_URL)

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.fixture
def cohorts(course, facilitator):
    """Two cohorts of the course with a certificate each; the facilitator runs the first."""
    ours, theirs = make_cohort(course, name="Lagos 2026"), make_cohort(course, name="Hanoi 2026")
    ours.facilitators.add(facilitator)
    owner = make_user(full_name="Amina Yusuf")
    return {
        "ours": ours,
        "theirs": theirs,
        "owner": owner,
        "ours_certificate": issued_for(owner, course, ours),
        "theirs_certificate": issued_for(make_user(), course, theirs),
    }


def test_a_facilitator_lists_the_certificates_of_their_cohort(api_client, facilitator, cohorts):
    api_client.force_authenticate(facilitator)

    response = api_client.get(LIST_URL, {"cohort": cohorts["ours"].pk})

    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["code"] == cohorts["ours_certificate"].code
    assert (item["cohort"], item["cohort_name"]) == (cohorts["ours"].pk, "Lagos 2026")
    assert item["participant_name"] == "Amina Yusuf"
    assert api_client.get(item["pdf_url"]).status_code == 200  # they may download it
    assert item["credential_url"] is None  # the credential is its owner's alone


@pytest.mark.parametrize("role", ["facilitator", "other_participant", "owner"])
def test_a_cohort_nobody_manages_is_not_found(api_client, cohorts, request, role):
    user = cohorts["owner"] if role == "owner" else request.getfixturevalue(role)
    api_client.force_authenticate(user)
    # The facilitator's is another cohort; the participant and the owner manage none.
    cohort = cohorts["theirs"] if role == "facilitator" else cohorts["ours"]

    response = api_client.get(LIST_URL, {"cohort": cohort.pk})
    missing = api_client.get(LIST_URL, {"cohort": 2**40})

    assert response.status_code == 404
    assert response.json() == missing.json() == {"code": "not_found", "detail": "Not found."}


def test_an_admin_sees_every_certificate_or_a_cohorts(api_client, admin_user, cohorts):
    api_client.force_authenticate(admin_user)

    every = api_client.get(LIST_URL).json()["results"]
    theirs = api_client.get(LIST_URL, {"cohort": cohorts["theirs"].pk}).json()["results"]

    assert {i["code"] for i in every} == {
        cohorts["ours_certificate"].code,
        cohorts["theirs_certificate"].code,
    }
    assert [i["code"] for i in theirs] == [cohorts["theirs_certificate"].code]


@pytest.mark.parametrize("cohort", ["abc", "0", "-3", "1.5", str(2**63)])
def test_a_cohort_that_is_not_an_id_is_a_400(api_client, admin_user, cohort):
    api_client.force_authenticate(admin_user)

    response = api_client.get(LIST_URL, {"cohort": cohort})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["detail"]) == ["cohort"]


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


def test_a_cohorts_list_makes_a_bounded_number_of_queries(
    api_client, course, facilitator, django_assert_max_num_queries
):
    cohort = make_cohort(course)
    cohort.facilitators.add(facilitator)
    for _ in range(8):
        issued_for(make_user(), course, cohort)
    api_client.force_authenticate(facilitator)

    with django_assert_max_num_queries(4):
        response = api_client.get(LIST_URL, {"cohort": cohort.pk})

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
