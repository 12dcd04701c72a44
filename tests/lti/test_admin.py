"""The admin: the registration page shows what to paste into the platform; the roster action."""

from lti_tool.models import Key

from courses.models import Enrolment
from lti.models import CohortLink
from tests.factories import make_course
from tests.lti.conftest import run_launch
from tests.lti.platform_in_thread import INSTRUCTOR


def test_the_registration_page_shows_the_tools_addresses(client, admin_user, registration):
    client.force_login(admin_user)
    page = client.get(f"/admin/lti_tool/ltiregistration/{registration.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f"http://testserver/lti/login/{registration.uuid}/" in body
    assert "http://testserver/lti/launch/" in body
    assert "http://testserver/lti/jwks/" in body
    assert Key.objects.get().public_key.splitlines()[1] in body


def test_a_new_registration_page_generates_the_tools_key_when_there_is_none(client, admin_user):
    Key.objects.all().delete()
    client.force_login(admin_user)
    page = client.get("/admin/lti_tool/ltiregistration/add/")
    assert page.status_code == 200
    assert "http://testserver/lti/jwks/" in page.content.decode()
    assert "http://testserver/lti/login/</code>" in page.content.decode()
    assert Key.objects.active().count() == 1


def test_the_admin_action_reads_the_roster(client, admin_user, platform, registration):
    make_course(slug="buying-right")
    run_launch(
        client, platform, registration, custom={"elearn_target": "course:buying-right"},
        roles=[INSTRUCTOR], sub="teacher-1", email="teacher@example.org",
    )  # fmt: skip
    platform.members = [platform.member("learner-2", "kofi@example.org", "Kofi Mensah")]
    client.force_login(admin_user)
    response = client.post(
        "/admin/lti/cohortlink/",
        {"action": "read_roster", "_selected_action": [CohortLink.objects.get().pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert Enrolment.objects.filter(user__email="kofi@example.org").exists()
