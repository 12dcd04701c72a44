"""Names and Role Provisioning: the platform's roster read into the cohort on demand."""

import pytest

from accounts.models import User
from courses.models import Enrolment
from lti.models import CohortLink
from lti.services.roster import sync_roster
from tests.factories import make_course, make_user
from tests.lti.conftest import run_launch
from tests.lti.platform_in_thread import INSTRUCTOR


@pytest.fixture
def course(db):
    return make_course(slug="buying-right")


@pytest.fixture
def link(client, platform, registration, course):
    """The platform's course, opened once by its instructor."""
    response, _token, _state = run_launch(
        client, platform, registration, custom={"elearn_target": "course:buying-right"},
        roles=[INSTRUCTOR], sub="teacher-1", email="teacher@example.org",
    )  # fmt: skip
    assert response.status_code == 302
    return CohortLink.objects.get()


def test_the_roster_enrols_learners_and_names_instructors_facilitators(platform, link):
    make_user(email="unverified@example.org", verified=False)
    platform.members = [
        platform.member("teacher-1", "teacher@example.org", "Teacher One", roles=[INSTRUCTOR]),
        platform.member("teacher-2", "teacher.2@example.org", "Teacher 2", roles=[INSTRUCTOR]),
        platform.member("learner-1", "amina.diallo@example.org", "Amina Diallo"),
        platform.member("learner-2", "kofi@example.org", "Kofi Mensah"),
        platform.member("learner-3", "gone@example.org", "Gone", status="Inactive"),
        platform.member("learner-4", "unverified@example.org", "Not Linked"),
        platform.member("learner-5", "", "No Email"),
    ]  # fmt: skip
    outcome = sync_roster(link)

    cohort = link.cohort
    enrolled = set(Enrolment.objects.filter(cohort=cohort).values_list("user__email", flat=True))
    assert enrolled == {"amina.diallo@example.org", "kofi@example.org"}
    facilitators = set(cohort.facilitators.values_list("email", flat=True))
    assert facilitators == {"teacher@example.org", "teacher.2@example.org"}
    assert (outcome.enrolled, outcome.facilitators, outcome.unchanged) == (2, 1, 1)
    assert len(outcome.skipped) == 2  # the unverified address, the missing one
    assert not User.objects.filter(email="gone@example.org").exists()
    assert User.objects.get(email="unverified@example.org").enrolments.count() == 0

    # Read again after a learner left the platform's course: they stay, counted.
    platform.members = platform.members[:3]
    again = sync_roster(link)
    assert (again.enrolled, again.unchanged, again.not_on_platform) == (0, 3, 1)
    assert Enrolment.objects.filter(cohort=cohort).count() == 2


def test_a_facilitator_reads_the_roster_from_the_cohorts_lti_page(client, platform, link):
    platform.members = [platform.member("learner-2", "kofi@example.org", "Kofi Mensah")]
    page = client.get(f"/facilitate/cohorts/{link.cohort_id}/lti/")  # still the instructor
    assert page.status_code == 200
    assert "Buying right" in page.content.decode()
    response = client.post(f"/facilitate/cohorts/{link.cohort_id}/lti/", {"link": link.pk})
    assert response.status_code == 302
    assert Enrolment.objects.filter(cohort=link.cohort, user__email="kofi@example.org").exists()


def test_a_roster_the_platform_does_not_give_changes_nothing(client, platform, link):
    platform.members = [platform.member("learner-2", "kofi@example.org", "Kofi Mensah")]
    link.context.memberships_url = platform.url + "/no-roster-here"
    link.context.save()
    response = client.post(
        f"/facilitate/cohorts/{link.cohort_id}/lti/", {"link": link.pk}, follow=True
    )
    assert "could not be read" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_someone_else_cannot_read_the_roster(client, platform, link):
    client.force_login(make_user())
    assert (
        client.post(f"/facilitate/cohorts/{link.cohort_id}/lti/", {"link": link.pk}).status_code
        == 404
    )


def test_the_cohorts_lti_page_reads_a_bounded_number_of_queries(
    client, platform, registration, link, django_assert_max_num_queries
):
    url = f"/facilitate/cohorts/{link.cohort_id}/lti/"
    with django_assert_max_num_queries(8):  # session, user, the cohort, its links with theirs
        assert client.get(url).status_code == 200
