"""Leaving a course: a page asks first and says what coming back will need; the form on it
leaves, and nothing else does."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.exceptions import WrongEnrolmentKey
from courses.models import Enrolment, EnrolmentStatus
from courses.services.enrolment import enrol
from tests.courses.test_views import assert_accessible_page
from tests.factories import enrol_user, make_cohort, make_completion


def leave_url(course):
    return reverse("course-withdraw", args=[course.slug])


def status_of(enrolment):
    return Enrolment.objects.get(pk=enrolment.pk).status


def test_the_confirmation_page_asks_first_and_changes_nothing(
    client, participant, course, django_assert_max_num_queries
):
    enrolment = enrol_user(participant, course)
    client.force_login(participant)

    with django_assert_max_num_queries(12):
        response = client.get(leave_url(course))

    assert response.status_code == 200
    assert_accessible_page(response)
    page = response.content.decode()
    assert "Leave the course?" in page
    assert "Your progress is kept" in page
    assert "You can enrol again at any time from the course page." in page
    assert f'name="enrolment" value="{enrolment.pk}"' in page
    assert status_of(enrolment) == EnrolmentStatus.ACTIVE


def test_the_course_page_links_to_the_confirmation_instead_of_leaving_in_one_click(
    client, participant, course
):
    enrol_user(participant, course)
    client.force_login(participant)

    page = client.get(course.get_absolute_url()).content.decode()

    assert f'href="{leave_url(course)}"' in page
    assert f'action="{leave_url(course)}"' not in page


def test_leaving_a_keyed_cohort_says_the_key_or_the_facilitator_is_needed(
    client, participant, course
):
    cohort = make_cohort(course, name="Nairobi 2026", enrolment_key="NBO-26")
    enrol_user(participant, course, cohort)
    client.force_login(participant)

    page = client.get(leave_url(course)).content.decode()

    assert "<bdi>Nairobi 2026</bdi>" in page
    assert "enrolment key again" in page
    assert "ask your facilitator" in page


def test_leaving_a_cohort_with_few_places_and_an_end_says_when_only_the_facilitator_can_help(
    client, participant, course
):
    ends_on = timezone.localdate() + datetime.timedelta(days=40)
    cohort = make_cohort(course, capacity=25, starts_on=timezone.localdate(), ends_on=ends_on)
    enrol_user(participant, course, cohort)
    client.force_login(participant)

    page = client.get(leave_url(course)).content.decode()

    assert "places are limited" in page
    assert f"after the cohort ends on {ends_on.day} " in page


def test_leaving_a_cohort_closed_to_enrolment_says_only_the_facilitator_can_enrol_again(
    client, participant, course
):
    cohort = make_cohort(course, enrolment_open=False)
    enrol_user(participant, course, cohort)
    client.force_login(participant)

    page = client.get(leave_url(course)).content.decode()

    assert "only your facilitator can enrol you again" in page
    assert "You can join again yourself" not in page


def test_confirming_leaves_and_says_so_in_a_status_message(client, participant, course):
    enrolment = enrol_user(participant, course)
    client.force_login(participant)

    response = client.post(leave_url(course), {"enrolment": enrolment.pk}, follow=True)

    assert response.redirect_chain == [(course.get_absolute_url(), 302)]
    assert status_of(enrolment) == EnrolmentStatus.WITHDRAWN
    page = response.content.decode()
    assert re.search(r'role="status"[^>]*>\s*<ul class="messages">\s*<li[^>]*>You have left', page)


def test_the_key_stated_on_the_page_is_what_rejoining_needs(participant, course):
    cohort = make_cohort(course, enrolment_key="NBO-26")
    enrolment = enrol(participant, cohort, key="NBO-26")
    enrolment.withdraw()

    with pytest.raises(WrongEnrolmentKey):
        enrol(participant, cohort, key="")
    assert enrol(participant, cohort, key="NBO-26").status == EnrolmentStatus.ACTIVE


@pytest.mark.parametrize("body", [{}, {"enrolment": ""}, {"enrolment": "one"}, {"enrolment": "-3"}])
def test_a_confirmation_without_a_readable_enrolment_is_refused_with_400(
    client, participant, course, body
):
    enrolment = enrol_user(participant, course)
    client.force_login(participant)

    response = client.post(leave_url(course), body)

    assert response.status_code == 400
    assert status_of(enrolment) == EnrolmentStatus.ACTIVE


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_refused_with_405(client, participant, course, method):
    enrolment = enrol_user(participant, course)
    client.force_login(participant)

    response = getattr(client, method)(leave_url(course))

    assert response.status_code == 405
    assert status_of(enrolment) == EnrolmentStatus.ACTIVE


def test_a_stale_confirmation_for_an_enrolment_no_longer_current_leaves_nothing(
    client, participant, course
):
    enrolment = enrol_user(participant, course)
    enrolment.withdraw()
    again = enrol_user(participant, course, make_cohort(course))
    client.force_login(participant)

    response = client.post(leave_url(course), {"enrolment": enrolment.pk})

    assert response.status_code == 404
    assert status_of(again) == EnrolmentStatus.ACTIVE


@pytest.mark.parametrize(
    "viewer,get_status,post_status",
    [
        ("anonymous", 302, 302),  # to sign in
        ("other_participant", 302, 404),  # no enrolment of theirs: back to the course
        ("facilitator", 302, 404),  # facilitators withdraw people from the cohort's pages
        ("admin_user", 302, 404),
    ],
)
def test_nobody_else_can_leave_a_participants_enrolment(
    client, request, course, participant, viewer, get_status, post_status
):
    cohort = make_cohort(course)
    enrolment = enrol_user(participant, course, cohort)
    if viewer != "anonymous":
        user = request.getfixturevalue(viewer)
        if viewer == "facilitator":
            cohort.facilitators.add(user)
        client.force_login(user)

    shown = client.get(leave_url(course))
    posted = client.post(leave_url(course), {"enrolment": enrolment.pk})

    assert shown.status_code == get_status
    assert posted.status_code == post_status
    if viewer == "anonymous":
        assert shown.url.startswith(reverse("account_login"))
    else:
        assert shown.url == course.get_absolute_url()
    assert status_of(enrolment) == EnrolmentStatus.ACTIVE


def test_a_completed_participant_is_sent_back_to_the_course(client, course):
    enrolment = make_completion(course)
    client.force_login(enrolment.user)

    response = client.get(leave_url(course))

    assert response.status_code == 302
    assert response.url == course.get_absolute_url()
