"""A cohort's name inside a translated heading keeps its own direction (in Arabic, "Regional
e-learning 2026" stays one left-to-right run)."""

from pytest_django.asserts import assertContains

from tests.factories import make_cohort, make_course


def test_the_cohort_name_is_isolated_in_the_heading_and_the_title(client_for, admin_user):
    cohort = make_cohort(make_course(), name="Regional e-learning 2026 <b>")
    client = client_for(admin_user)
    client.cookies["django_language"] = "ar"

    response = client.get(f"/facilitate/cohorts/{cohort.pk}/")

    assertContains(response, "<bdi>Regional e-learning 2026 &lt;b&gt;</bdi>")
    assertContains(response, "\u2068Regional e-learning 2026 &lt;b&gt;\u2069")
