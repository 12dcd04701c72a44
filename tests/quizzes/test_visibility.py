"""Who may see a quiz (its settings and their own record at it): one rule, on the quiz page and
in the API alike (quizzes.selectors.check_quiz_access, docs/quizzes.md), tested with one table.

Enrolled participants (active or completed), facilitators and admins see it; anyone else signed
in is refused with not_enrolled (the API's 403 `not_enrolled`, the page's 403 with a link to
enrol); a quiz whose course is not published is not found except for admins; anyone signed out
is sent to sign in (the API: 401 `not_authenticated`).
"""

from typing import NamedTuple

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from courses.models import EnrolmentStatus
from tests.factories import make_cohort, make_facilitator_user, make_user
from tests.quizzes.factories import add_single_choice, enrol_in, make_empty_quiz, make_module

SEES, NOT_ENROLLED, NOT_FOUND, SIGN_IN = "sees", "not enrolled", "not found", "sign in"
ENROL_LINK = "Enrol in the course to take this quiz."


class Expected(NamedTuple):
    published: str  # the quiz of a published course
    unpublished: str  # the quiz of a course not published (visible to admins only)


# fmt: off
MATRIX = {
    "anonymous":               Expected(SIGN_IN,      SIGN_IN),
    "participant":             Expected(SEES,         NOT_FOUND),  # enrolled, active
    "completed_participant":   Expected(SEES,         NOT_FOUND),
    "withdrawn_participant":   Expected(NOT_ENROLLED, NOT_FOUND),
    "not_enrolled":            Expected(NOT_ENROLLED, NOT_FOUND),
    "facilitator_of_a_cohort": Expected(SEES,         NOT_FOUND),  # of the quiz's course
    "facilitator":             Expected(SEES,         NOT_FOUND),  # the group, no cohort here
    "admin":                   Expected(SEES,         SEES),
}
# fmt: on


def _user(role, course):
    if role == "anonymous":
        return None
    if role == "admin":
        return make_user(is_staff=True, password=None)
    if role.startswith("facilitator"):
        user = make_facilitator_user(password=None)
        if role == "facilitator_of_a_cohort":
            make_cohort(course).facilitators.add(user)
        return user
    user = make_user(password=None)
    status = {
        "participant": EnrolmentStatus.ACTIVE,
        "completed_participant": EnrolmentStatus.COMPLETED,
        "withdrawn_participant": EnrolmentStatus.WITHDRAWN,
    }.get(role)
    if status is not None:
        enrol_in(user, course, status=status)
    return user


def _page(client, quiz):
    response = client.get(reverse("quiz-detail", args=[quiz.pk]))
    body = response.content.decode()
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return SIGN_IN
    if response.status_code == 403:
        assert ENROL_LINK in body and "Pass mark" not in body  # no settings, a way in
        return NOT_ENROLLED
    if response.status_code == 404:
        return NOT_FOUND
    assert response.status_code == 200, response.status_code
    assert "Pass mark: 50%" in body
    return SEES


def _api(client, quiz):
    response = client.get(f"/api/v1/quizzes/{quiz.pk}/")
    code = response.json().get("code")
    outcomes = {
        (401, "not_authenticated"): SIGN_IN,
        (403, "not_enrolled"): NOT_ENROLLED,
        (404, "not_found"): NOT_FOUND,
    }
    if response.status_code == 200:
        assert response.json()["pass_mark"] == 50
        return SEES
    return outcomes[(response.status_code, code)]


SURFACES = {"page": _page, "api": _api}


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("published", [True, False], ids=["published", "unpublished"])
@pytest.mark.parametrize("role", MATRIX)
def test_who_sees_a_quiz_is_the_same_on_the_page_and_in_the_api(db, role, published, surface):
    quiz = make_empty_quiz(module=make_module(published=published), pass_mark=50)
    add_single_choice(quiz)
    user = _user(role, quiz.course)
    client = APIClient()
    if user is not None:
        client.force_login(user)

    expected = MATRIX[role].published if published else MATRIX[role].unpublished
    assert SURFACES[surface](client, quiz) == expected


def test_a_participant_who_withdraws_stops_seeing_the_quiz_at_once(client, db):
    quiz = make_empty_quiz(pass_mark=50)
    add_single_choice(quiz)
    user = make_user(password=None)
    enrolment = enrol_in(user, quiz.course)
    client.force_login(user)
    assert _page(client, quiz) == SEES
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.save(update_fields=["status"])
    assert _page(client, quiz) == NOT_ENROLLED
