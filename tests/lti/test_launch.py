"""Full launches against the simulated platform: login initiation, then a signed id_token."""

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from cryptography.hazmat.primitives.asymmetric import rsa
from lti_tool.models import LtiContext, LtiDeployment, LtiUser

from accounts.models import User
from courses.models import Cohort, Enrolment
from lti.models import CohortLink, GradeLink, UsedNonce
from tests.factories import make_course, make_user
from tests.lti.conftest import run_launch, start_login
from tests.lti.platform_in_thread import CLIENT_ID, INSTRUCTOR

EMAIL = "amina.diallo@example.org"


@pytest.fixture
def course(db):
    return make_course(slug="buying-right", modules=2, quizzes_per_module=1)


def _custom(course):
    return {"elearn_target": f"course:{course.slug}"}


def _nothing_created():
    return (
        not User.objects.filter(email=EMAIL).exists()
        and not Enrolment.objects.exists()
        and not LtiUser.objects.exists()
        and not LtiContext.objects.exists()
        and not CohortLink.objects.exists()
        and not UsedNonce.objects.exists()
    )


def test_a_first_launch_creates_the_account_enrols_it_and_opens_the_course(
    client, platform, registration, course
):
    response, _token, _state = run_launch(client, platform, registration, custom=_custom(course))

    assert response.status_code == 302
    assert response["Location"] == course.get_absolute_url()
    user = User.objects.get(email=EMAIL)
    assert user.full_name == "Amina Diallo"
    assert not user.has_usable_password()
    assert not EmailAddress.objects.get(user=user).verified  # the platform said so, not us
    enrolment = Enrolment.objects.get(user=user)
    link = CohortLink.objects.get()
    assert enrolment.cohort == link.cohort and link.course == course
    assert not link.cohort.enrolment_open  # the platform enrols, nobody else
    assert LtiUser.objects.get(sub="learner-1").auth_user == user
    assert GradeLink.objects.get().lineitem_url == platform.url + "/lineitems/1"
    assert client.get(course.get_absolute_url()).context["user"] == user  # signed in


def test_a_later_launch_goes_by_sub_even_if_the_email_changed(
    client, platform, registration, course
):
    run_launch(client, platform, registration, custom=_custom(course))
    client.logout()
    response, _token, _state = run_launch(
        client, platform, registration, custom=_custom(course), email="new.address@example.org"
    )
    assert response.status_code == 302
    assert User.objects.count() == 1
    assert (
        Enrolment.objects.count() == 1
        and Cohort.objects.filter(lti_links__isnull=False).count() == 1
    )


def test_a_launch_links_an_account_whose_email_is_verified(client, platform, registration, course):
    existing = make_user(email=EMAIL, verified=True)
    response, _token, _state = run_launch(client, platform, registration, custom=_custom(course))
    assert response.status_code == 302
    assert LtiUser.objects.get().auth_user == existing
    assert Enrolment.objects.get().user == existing


def test_a_launch_never_links_an_account_whose_email_is_not_verified(
    client, platform, registration, course
):
    existing = make_user(email=EMAIL, verified=False)
    response, _token, _state = run_launch(client, platform, registration, custom=_custom(course))
    assert response.status_code == 409
    assert "not verified" in response.content.decode()
    assert not LtiUser.objects.exists() and not Enrolment.objects.exists()
    assert "_auth_user_id" not in client.session
    assert User.objects.filter(email=EMAIL).get() == existing


def test_a_launch_never_signs_in_as_an_admin(client, platform, registration, course):
    make_user(email=EMAIL, verified=True, is_staff=True)
    response, _token, _state = run_launch(client, platform, registration, custom=_custom(course))
    assert response.status_code == 409
    assert "_auth_user_id" not in response.wsgi_request.session
    assert not LtiUser.objects.exists() and not Enrolment.objects.exists()


def test_an_account_made_an_admin_after_it_was_linked_is_no_longer_signed_in(
    client, platform, registration, course
):
    response, _token, _state = run_launch(client, platform, registration, custom=_custom(course))
    assert response.status_code == 302
    User.objects.filter(email=EMAIL).update(is_superuser=True)
    client.logout()

    response, _token, _state = run_launch(client, platform, registration, custom=_custom(course))

    assert response.status_code == 409
    assert "_auth_user_id" not in response.wsgi_request.session


def test_an_instructor_becomes_the_cohorts_facilitator_and_is_not_enrolled(
    client, platform, registration, course
):
    response, _token, _state = run_launch(
        client, platform, registration, custom=_custom(course), roles=[INSTRUCTOR],
        sub="teacher-1", email="teacher@example.org", name="Teacher One",
    )  # fmt: skip
    assert response.status_code == 302
    teacher = User.objects.get(email="teacher@example.org")
    cohort = CohortLink.objects.get().cohort
    assert list(cohort.facilitators.all()) == [teacher]
    assert teacher.is_facilitator
    assert not Enrolment.objects.exists()


def test_learners_of_one_platform_course_share_one_cohort(client, platform, registration, course):
    run_launch(client, platform, registration, custom=_custom(course))
    client.logout()
    run_launch(
        client, platform, registration, custom=_custom(course), sub="learner-2",
        email="second@example.org",
    )  # fmt: skip
    assert CohortLink.objects.count() == 1
    assert Enrolment.objects.filter(cohort=CohortLink.objects.get().cohort).count() == 2


def test_a_link_to_a_lesson_by_its_address_opens_the_lesson(client, platform, registration, course):
    lesson = course.lessons.order_by("order").last()
    response, _token, _state = run_launch(
        client,
        platform,
        registration,
        target_link_uri="http://testserver" + lesson.get_absolute_url(),
    )
    assert response.status_code == 302
    assert response["Location"] == lesson.get_absolute_url()


def test_a_link_naming_nothing_here_is_refused(client, platform, registration, course):
    response, _token, _state = run_launch(
        client, platform, registration, custom={"elearn_target": "course:no-such-course"}
    )
    assert response.status_code == 400
    assert _nothing_created()


# Hostile launches: a 4xx page, nothing created, nobody signed in.


def _refused(response):
    assert response.status_code == 400
    assert "could not be opened" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session
    assert _nothing_created()


def test_an_expired_token_is_refused(client, platform, registration, course):
    response, _token, _state = run_launch(
        client, platform, registration, custom=_custom(course), exp=1_700_000_000, iat=1_699_999_000
    )
    _refused(response)


def test_a_token_for_another_tool_is_refused(client, platform, registration, course):
    response, _token, _state = run_launch(
        client, platform, registration, custom=_custom(course), aud="another-tool"
    )
    _refused(response)


def test_an_unsigned_token_is_refused(client, platform, registration, course):
    response, _token, _state = run_launch(
        client, platform, registration, custom=_custom(course), alg="none"
    )
    _refused(response)


def test_a_token_signed_with_another_key_is_refused(client, platform, registration, course):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response, _token, _state = run_launch(
        client, platform, registration, custom=_custom(course), key=stranger
    )
    _refused(response)


def test_an_unknown_deployment_is_refused_and_not_recorded(client, platform, registration, course):
    response, _token, _state = run_launch(
        client, platform, registration, custom=_custom(course), deployment_id="deployment-9"
    )
    _refused(response)
    assert list(LtiDeployment.objects.values_list("deployment_id", flat=True)) == ["deployment-1"]


def test_an_inactive_deployment_is_refused(client, platform, registration, course):
    LtiDeployment.objects.update(is_active=False)
    response, _token, _state = run_launch(client, platform, registration, custom=_custom(course))
    _refused(response)


def test_a_nonce_the_tool_never_issued_is_refused(client, platform, registration, course):
    response, _token, _state = run_launch(
        client, platform, registration, token=lambda _nonce: platform.claims(
            nonce="made-up", custom=_custom(course)
        ),
    )  # fmt: skip
    _refused(response)


def test_a_replayed_launch_is_refused(client, platform, registration, course):
    first, id_token, state = run_launch(client, platform, registration, custom=_custom(course))
    assert first.status_code == 302
    client.logout()
    replay = client.post("/lti/launch/", {"id_token": id_token, "state": state})
    assert replay.status_code == 400
    assert "already used" in replay.content.decode()
    assert "_auth_user_id" not in replay.wsgi_request.session


def test_a_launch_without_a_state_from_our_login_is_refused(client, platform, registration, course):
    _state, nonce = start_login(client, platform, registration)
    id_token = platform.id_token(platform.claims(nonce=nonce, custom=_custom(course)))
    response = client.post("/lti/launch/", {"id_token": id_token, "state": "state-forged"})
    _refused(response)


@pytest.mark.parametrize("id_token", ["", "not-a-jwt", "a.b.c", "e30.W10.sig"])
def test_garbage_instead_of_a_token_is_refused(client, platform, registration, id_token):
    response = client.post("/lti/launch/", {"id_token": id_token, "state": "state-1"})
    _refused(response)


def test_a_login_initiation_from_an_unknown_platform_is_refused(client, registration):
    response = client.post(
        f"/lti/login/{registration.uuid}/", {"iss": "https://evil.example", "login_hint": "x"}
    )
    assert response.status_code == 400


def test_the_key_set_names_the_tools_public_key(client, platform):
    keys = client.get("/lti/jwks/").json()["keys"]
    assert len(keys) == 1 and keys[0]["alg"] == "RS256" and "d" not in keys[0]


def test_deleting_the_account_erases_what_the_platform_said_about_the_person(
    client, platform, registration, course
):
    from accounts.services.privacy import delete_account

    run_launch(client, platform, registration, custom=_custom(course))
    user = User.objects.get(email=EMAIL)
    user.set_password("set-by-password-reset-42")  # made by a launch, it had none
    user.save()
    delete_account(user, password="set-by-password-reset-42")
    assert not LtiUser.objects.exists() and not GradeLink.objects.exists()
    # Launching again makes a new account: the deleted one never signs in again.
    client.logout()
    response, _token, _state = run_launch(client, platform, registration, custom=_custom(course))
    assert response.status_code == 302
    assert User.objects.get(email=EMAIL).pk != user.pk


def test_a_login_initiation_without_the_registrations_address_finds_it_by_client_id(
    client, platform, registration
):
    response = client.post(
        "/lti/login/",
        {"iss": platform.issuer, "login_hint": "hint", "client_id": CLIENT_ID,
         "target_link_uri": "https://elearn.example.org/lti/launch/"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"].startswith(platform.url + "/auth?")


@pytest.mark.parametrize(
    "claims",
    [
        {"roles": [1, 2]},
        {"context": ["not", "an", "object"]},
        {"email": {"not": "an address"}},
        {"custom": "elearn_target=course:buying-right"},
    ],
)
def test_a_signed_launch_with_claims_of_the_wrong_shape_changes_nothing(
    client, platform, registration, course, claims
):
    response, _token, _state = run_launch(client, platform, registration, **claims)
    assert 400 <= response.status_code < 500
    assert "_auth_user_id" not in response.wsgi_request.session
    assert _nothing_created()


def test_over_https_the_state_cookies_survive_the_platforms_cross_site_post(
    client, platform, registration, course
):
    login = client.post(
        "/lti/login/",
        {"iss": platform.issuer, "login_hint": "hint", "client_id": CLIENT_ID,
         "target_link_uri": "https://testserver/lti/launch/"},
        secure=True,
    )  # fmt: skip
    assert login.status_code == 302
    state_cookies = [c for name, c in login.cookies.items() if name.startswith("lti1p3-")]
    assert len(state_cookies) == 2  # the state, and the key of the launch data in the cache
    for cookie in state_cookies:
        assert cookie["samesite"] == "None" and cookie["secure"] and cookie["httponly"]
    query = parse_qs(urlsplit(login["Location"]).query)
    assert query["redirect_uri"] == ["https://testserver/lti/launch/"]
    id_token = platform.id_token(platform.claims(nonce=query["nonce"][0], custom=_custom(course)))
    response = client.post(
        "/lti/launch/", {"id_token": id_token, "state": query["state"][0]}, secure=True
    )
    assert response.status_code == 302 and response["Location"] == course.get_absolute_url()
