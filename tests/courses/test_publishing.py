"""publish_course: a published course has its self-paced default cohort, whichever door
published it (the admin's form and list, a course package, the shell)."""

import pytest
from django.urls import reverse

from courses.models import Cohort, Course
from courses.services import publish_course
from tests.courses.test_packages import import_files, package_files
from tests.factories import make_course


def default_cohorts(course):
    return Cohort.objects.filter(course=course, is_default=True)


def test_publishing_from_the_shell_publishes_and_opens_one_self_paced_cohort(db):
    course = make_course(published=False)

    cohort = publish_course(course)

    assert Course.objects.get(pk=course.pk).published
    assert cohort.is_default and cohort.enrolment_open
    assert publish_course(course) == cohort  # again: nothing more
    assert default_cohorts(course).count() == 1


def test_publishing_an_already_published_course_gives_it_its_missing_cohort(db):
    course = make_course(published=False)
    Course.objects.filter(pk=course.pk).update(published=True)  # as a bare save would
    assert not default_cohorts(course).exists()
    assert publish_course(course) == default_cohorts(course).get()


def test_publishing_in_the_admins_list_opens_the_self_paced_cohort(client, admin_user):
    course = make_course(published=False)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:courses_course_changelist"),
        {
            "form-TOTAL_FORMS": 1, "form-INITIAL_FORMS": 1, "form-0-id": course.pk,
            "form-0-published": "on", "form-0-order": 0, "_save": "Save",
        },
    )  # fmt: skip
    assert response.status_code == 302
    assert Course.objects.get(pk=course.pk).published
    assert default_cohorts(course).count() == 1


@pytest.mark.parametrize("published", [True, False])
def test_importing_a_package_opens_the_cohort_of_a_published_course_once(db, tmp_path, published):
    files = package_files()
    files["course.yaml"]["published"] = published
    import_files(tmp_path / "one", files)
    import_files(tmp_path / "two", files)  # imported again: still one
    course = Course.objects.get(slug="buying-well")
    assert default_cohorts(course).count() == (1 if published else 0)
