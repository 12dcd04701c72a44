"""Dates read the way the reader's language writes them, one format for each kind of date: a
day (DATE_FORMAT) wherever a day is shown, a moment (DATETIME_FORMAT) wherever a time is."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from courses.models import ModuleDueDate
from tests.factories import enrol_user, make_cohort, make_completion

DAYS = {
    "en": ("6 January 2027", "11 November 2026"),
    "fr": ("6 janvier 2027", "11 novembre 2026"),
    "es": ("6 de enero de 2027", "11 de noviembre de 2026"),
    "ar": ("6 يناير، 2027", "11 نوفمبر، 2026"),
}


@pytest.mark.parametrize("language", sorted(DAYS))
def test_my_learning_writes_days_in_the_readers_language(client, course, language):
    completed = datetime.datetime(2027, 1, 6, 15, 30, tzinfo=datetime.UTC)
    enrolment = make_completion(course, completed_at=completed)
    client.force_login(enrolment.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    page = client.get(reverse("my-learning")).content.decode()

    assert DAYS[language][0] in page
    assert "Jan." not in page and "2027-01-06" not in page


@pytest.mark.parametrize("language", sorted(DAYS))
def test_a_cohorts_dates_read_the_same_way_for_participants_and_facilitators(
    client, course, facilitator, participant, language
):
    cohort = make_cohort(
        course, starts_on=datetime.date(2026, 11, 11), ends_on=datetime.date(2027, 1, 6)
    )
    cohort.facilitators.add(facilitator)
    module = course.modules.first()
    ModuleDueDate.objects.create(cohort=cohort, module=module, due_on=datetime.date(2027, 1, 6))
    enrol_user(participant, course, cohort)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    due, start = DAYS[language]

    client.force_login(facilitator)
    cohorts = client.get(reverse("facilitate-cohorts")).content.decode()
    client.force_login(participant)
    learning = client.get(reverse("my-learning")).content.decode()

    assert start in cohorts and due in cohorts
    assert due in learning
    assert "Nov." not in cohorts
