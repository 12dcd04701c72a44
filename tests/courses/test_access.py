"""Who may reach a cohort (courses.selectors.access): one rule for every page, endpoint, export
and service that asks, read afresh on each request."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.urls import reverse
from rest_framework.test import APIClient

from certificates.models import Certificate
from certificates.selectors import get_certificate_pdf_for
from courses.models import EnrolmentStatus
from courses.selectors import (
    can_manage_cohort,
    get_managed_cohort,
    list_managed_cohorts,
    offers_facilitation,
)
from courses.services.progress import record_lesson_completion
from tests.factories import enrol_user, make_cohort, make_course, make_facilitator_user, make_user

# fmt: off
ROLES = {
    # role: (manages the cohort, is offered the facilitator pages)
    "anonymous":             (False, False),
    "participant":           (False, False),
    "facilitator_here":      (True,  True),
    "facilitator_elsewhere": (False, True),
    "admin":                 (True,  True),
}
# fmt: on


@pytest.fixture
def cohort(db):
    course = make_course(modules=1, lessons_per_module=1, quizzes_per_module=1)
    return make_cohort(course, name="Here")


def _user(role, cohort):
    if role == "anonymous":
        return AnonymousUser()
    if role == "participant":
        user = make_user(password=None)
        enrol_user(user, cohort.course, cohort)
        return user
    if role == "admin":
        return make_user(is_staff=True, password=None)
    user = make_facilitator_user(password=None)
    where = cohort if role == "facilitator_here" else make_cohort(make_course())
    where.facilitators.add(user)
    return user


@pytest.mark.parametrize("role", ROLES)
def test_who_manages_a_cohort_is_one_rule_for_every_question(cohort, role):
    user = _user(role, cohort)
    manages, offered = ROLES[role]
    assert can_manage_cohort(user, cohort) is manages
    assert (cohort in list_managed_cohorts(user)) is manages
    assert offers_facilitation(user) is offered
    if manages:
        assert get_managed_cohort(user, cohort.pk) == cohort
    else:
        with pytest.raises(Http404):
            get_managed_cohort(user, cohort.pk)


def test_an_unknown_cohort_is_not_found_even_for_an_admin(db):
    with pytest.raises(Http404):
        get_managed_cohort(make_user(is_staff=True, password=None), 999999)


def test_a_facilitator_removed_from_a_cohort_loses_every_page_and_endpoint_at_once(
    cohort, client, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    cohort.course.quizzes.update(optional=True)  # the lesson alone completes the course
    facilitator = make_facilitator_user(password=None)
    cohort.facilitators.add(facilitator)
    participant = make_user(password=None)
    enrolment = enrol_user(participant, cohort.course, cohort)
    with django_capture_on_commit_callbacks(execute=True):  # completes: a certificate is issued
        record_lesson_completion(participant, cohort.course.lessons.get())
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    certificate = Certificate.objects.get(enrolment=enrolment)
    quiz = cohort.course.quizzes.get()
    pages = [
        reverse("facilitate-cohort", args=[cohort.pk]),
        reverse("facilitate-enrol", args=[cohort.pk]),
        reverse("facilitate-cohort-certificates", args=[cohort.pk]),
        reverse("facilitate-cohort-quizzes", args=[cohort.pk]),
        reverse("facilitate-quiz-analysis", args=[cohort.pk, quiz.pk]),
    ]
    endpoints = [
        f"/api/v1/cohorts/{cohort.pk}/progress/",
        f"/api/v1/cohorts/{cohort.pk}/at-risk/",
        f"/api/v1/quizzes/{quiz.pk}/statistics/?cohort={cohort.pk}",
    ]
    client.force_login(facilitator)
    api = APIClient()
    api.force_login(facilitator)
    assert [client.get(url).status_code for url in pages] == [200] * len(pages)
    assert [api.get(url).status_code for url in endpoints] == [200] * len(endpoints)
    assert get_certificate_pdf_for(facilitator, certificate.code) == certificate

    cohort.facilitators.remove(facilitator)

    assert [client.get(url).status_code for url in pages] == [404] * len(pages)
    answers = [api.get(url) for url in endpoints]
    assert [(a.status_code, a.json()["code"]) for a in answers] == [(404, "not_found")] * 3
    assert client.get(f"/certificates/{certificate.code}/pdf/").status_code == 404
    with pytest.raises(Http404):
        get_certificate_pdf_for(facilitator, certificate.code)
    assert not can_manage_cohort(facilitator, cohort)
