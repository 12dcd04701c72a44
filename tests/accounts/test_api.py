"""The accounts API: tokens and the signed-in user's profile (/api/v1/me/)."""

import hashlib
from datetime import datetime, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import User
from accounts.services import API_TOKENS_PER_USER, issue_api_token
from accounts.tasks import purge_expired_api_tokens_task
from tests.factories import PASSWORD, enrol_user, make_course, make_user

TOKEN_URL = "/api/v1/auth/token/"
LOGOUT_URL = "/api/v1/auth/logout/"
LOGOUT_ALL_URL = "/api/v1/auth/logout-all/"
ME_URL = "/api/v1/me/"


def request_token(api_client, email, password=PASSWORD):
    return api_client.post(TOKEN_URL, {"email": email, "password": password}, format="json")


def me(token):
    """GET /api/v1/me/ with this token alone (the client's own credentials would win)."""
    return APIClient().get(ME_URL, HTTP_AUTHORIZATION=f"Token {token}")


def test_urls_are_where_clients_expect_them():
    assert reverse("api-token") == TOKEN_URL
    assert reverse("api-logout") == LOGOUT_URL
    assert reverse("api-logout-all") == LOGOUT_ALL_URL
    assert reverse("api-me") == ME_URL


# Tokens


def test_email_and_password_get_a_token(api_client, participant, settings):
    with CaptureQueriesContext(connection) as queries:
        response = request_token(api_client, participant.email)

    # Rate limits (DRF's per address, allauth's per address and account, as on the sign-in page)
    # are cache calls: statements here, on the default database cache; none with Redis.
    # (with the savepoints the database cache writes in).
    cache = [
        q for q in queries.captured_queries if "elearn_cache" in q["sql"] or "SAVEPOINT" in q["sql"]
    ]
    assert len(queries.captured_queries) - len(cache) <= 12
    assert len(cache) <= 60
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiry"}
    lifetime = datetime.fromisoformat(body["expiry"]) - timezone.now()
    ttl = timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    assert ttl - timedelta(minutes=1) < lifetime <= ttl


def test_each_sign_in_gets_a_token_of_its_own(api_client, participant):
    first = request_token(api_client, participant.email).json()["token"]
    second = request_token(api_client, participant.email.upper()).json()["token"]

    assert first != second
    assert me(first).json()["email"] == participant.email
    assert me(second).json()["email"] == participant.email


def test_the_database_never_holds_the_token_in_clear(api_client, participant):
    token = request_token(api_client, participant.email).json()["token"]

    # Every value of every table, as text (table names from the database itself).
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                assert not any(token in str(value) for value in row), table
    [stored] = AuthToken.objects.filter(user=participant)
    assert stored.digest == hashlib.sha512(token.encode()).hexdigest()
    assert token.startswith(stored.token_key)  # what it is looked up by: 15 of 64 characters
    assert len(token) == 64


def test_an_expired_token_is_refused_with_401(api_client, participant):
    token = request_token(api_client, participant.email).json()["token"]
    assert me(token).status_code == 200
    AuthToken.objects.filter(user=participant).update(expiry=timezone.now() - timedelta(seconds=1))

    response = me(token)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"code": "authentication_failed", "detail": "Invalid token."}
    # Refused, not deleted on the way: the daily purge removes expired tokens.
    purge_expired_api_tokens_task()
    assert not AuthToken.objects.filter(user=participant).exists()


def test_a_refused_token_is_told_in_the_callers_language(api_client, db):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get(ME_URL, HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 401
    with translation.override("fr"):
        french = translation.gettext("Invalid token.")
    assert french != "Invalid token."
    assert response.json() == {"code": "authentication_failed", "detail": french}


def test_logout_revokes_the_token_it_is_signed_with_and_no_other(api_client, participant):
    first = request_token(api_client, participant.email).json()["token"]
    second = request_token(api_client, participant.email).json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    response = api_client.post(LOGOUT_URL)

    assert response.status_code == 204
    assert me(first).status_code == 401
    assert me(second).status_code == 200


def test_logout_all_revokes_every_token_of_the_user_and_only_theirs(
    api_client, participant, other_participant
):
    first = request_token(api_client, participant.email).json()["token"]
    second = request_token(api_client, participant.email).json()["token"]
    others = request_token(api_client, other_participant.email).json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    response = api_client.post(LOGOUT_ALL_URL)

    assert response.status_code == 204
    assert me(first).status_code == 401
    assert me(second).status_code == 401
    assert me(others).json()["email"] == other_participant.email


@pytest.mark.parametrize("url", [LOGOUT_URL, LOGOUT_ALL_URL])
def test_logout_needs_a_token_not_a_session(api_client, participant, url):
    token = request_token(api_client, participant.email).json()["token"]
    api_client.force_login(participant)

    response = api_client.post(url)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert me(token).status_code == 200


def test_a_token_shows_its_own_users_data_only(api_client, participant, other_participant):
    course = make_course()
    mine = enrol_user(participant, course)
    theirs = enrol_user(other_participant, course)
    token = request_token(api_client, participant.email).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert api_client.get(ME_URL).json()["email"] == participant.email
    listed = api_client.get("/api/v1/enrolments/").json()["results"]
    assert [e["id"] for e in listed] == [mine.pk]
    response = api_client.get(f"/api/v1/enrolments/{theirs.pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    # Logging out with it revokes nothing of the other user's.
    theirs_token = issue_api_token(other_participant).key
    assert api_client.post(LOGOUT_ALL_URL).status_code == 204
    assert me(theirs_token).status_code == 200


def test_a_deactivated_users_token_is_refused(api_client, participant):
    token = request_token(api_client, participant.email).json()["token"]
    User.objects.filter(pk=participant.pk).update(is_active=False)

    response = me(token)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_new_password_signs_every_api_client_out(api_client, client, participant):
    token = request_token(api_client, participant.email).json()["token"]
    client.force_login(participant)

    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "another-long-pass-43",
            "password2": "another-long-pass-43",
        },
    )

    assert response.status_code == 302
    assert me(token).status_code == 401


def test_a_user_holds_a_bounded_number_of_tokens_the_oldest_revoked(participant):
    AuthToken.objects.create(user=participant, expiry=timedelta(seconds=-1))  # expired
    keys = [issue_api_token(participant).key for _ in range(API_TOKENS_PER_USER + 2)]

    stored = AuthToken.objects.filter(user=participant)
    assert stored.count() == API_TOKENS_PER_USER
    assert not stored.filter(expiry__lte=timezone.now()).exists()
    kept = {token.token_key for token in stored}
    assert kept == {key[:15] for key in keys[2:]}


def test_the_daily_purge_deletes_expired_tokens_only(participant, other_participant):
    AuthToken.objects.create(user=participant, expiry=timedelta(seconds=-1))
    AuthToken.objects.create(user=other_participant, expiry=timedelta(seconds=-1))
    _live, key = AuthToken.objects.create(user=participant)

    assert purge_expired_api_tokens_task.delay().get() == 2

    assert list(AuthToken.objects.values_list("token_key", flat=True)) == [key[:15]]


def test_wrong_password_gets_no_token(api_client, participant):
    response = request_token(api_client, participant.email, "not-the-password")

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": {"non_field_errors": ["Unable to sign in with these credentials."]},
    }
    assert not AuthToken.objects.exists()


def test_missing_credentials_are_named(api_client, db):
    response = api_client.post(TOKEN_URL, {"email": "not an address"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["detail"]) == {"email", "password"}


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(api_client, participant):
    wrong_password = request_token(api_client, participant.email, "not-the-password")
    unknown = request_token(api_client, "nobody@example.org")

    assert unknown.status_code == wrong_password.status_code == 400
    assert unknown.json() == wrong_password.json()


def test_inactive_user_gets_no_token(api_client, db):
    user = make_user(is_active=False)

    assert request_token(api_client, user.email).status_code == 400


def test_unverified_email_gets_no_token(api_client, db):
    """Email verification is mandatory: the API is no way around it."""
    user = make_user(verified=False)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)

    response = request_token(api_client, user.email)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "token" not in response.json()


def test_unverified_email_gets_a_token_where_verification_is_optional(api_client, settings, db):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"
    user = make_user(verified=False)

    assert request_token(api_client, user.email).status_code == 200


def test_token_requests_are_throttled(api_client, participant):
    throttle = ScopedRateThrottle()
    allowed, _period = throttle.parse_rate(throttle.THROTTLE_RATES["token"])

    for n in range(allowed):  # guesses at many accounts: the per-account lock is not reached
        assert request_token(api_client, f"guess{n}@example.org", "wrong").status_code == 400
    response = request_token(api_client, participant.email)

    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    assert body["detail"]
    assert "Retry-After" in response.headers


# Profile


def test_me_with_a_token_returns_the_profile(
    api_client, participant, django_assert_max_num_queries
):
    token = request_token(api_client, participant.email).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    with django_assert_max_num_queries(4):
        response = api_client.get(ME_URL)

    assert response.status_code == 200
    assert response.json() == {
        "id": participant.pk,
        "email": participant.email,
        "full_name": "José Núñez",
        "country": "PE",
        "organisation": "",
        "organisation_type": "procurement_agency",
        "preferred_language": "",
        "is_facilitator": False,
        "is_staff": False,
    }


def test_me_with_a_session_returns_the_profile(api_client, facilitator):
    api_client.force_login(facilitator)

    response = api_client.get(ME_URL)

    assert response.status_code == 200
    assert response.json()["email"] == facilitator.email
    assert response.json()["is_facilitator"] is True


@pytest.mark.parametrize("method", ["get", "patch"])
def test_me_needs_authentication(api_client, db, method):
    response = getattr(api_client, method)(ME_URL, {"full_name": "Nobody"}, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert body["detail"]


def test_me_with_a_bad_token_is_refused(api_client, db):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get(ME_URL)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_patch_me_updates_the_profile(api_client, participant, django_assert_max_num_queries):
    api_client.force_login(participant)

    with django_assert_max_num_queries(6):
        response = api_client.patch(
            ME_URL,
            {
                "full_name": "  Αλέξανδρος   Παπαδόπουλος ",
                "country": "GR",
                "organisation": "Hellenic Single Public Procurement Authority",
                "organisation_type": "ministry",
                "preferred_language": "fr",
            },
            format="json",
        )

    assert response.status_code == 200
    assert response.json()["full_name"] == "Αλέξανδρος Παπαδόπουλος"
    participant.refresh_from_db()
    assert participant.full_name == "Αλέξανδρος Παπαδόπουλος"
    assert participant.country.code == "GR"
    assert participant.organisation == "Hellenic Single Public Procurement Authority"
    assert participant.organisation_type == "ministry"
    assert participant.preferred_language == "fr"


def test_patch_me_changes_only_the_fields_sent(api_client, participant):
    api_client.force_login(participant)

    response = api_client.patch(ME_URL, {"organisation": "OSCE"}, format="json")

    assert response.status_code == 200
    participant.refresh_from_db()
    assert participant.organisation == "OSCE"
    assert participant.full_name == "José Núñez"
    assert participant.country.code == "PE"


@pytest.mark.parametrize(
    "field, value",
    [
        ("country", "XX"),
        ("country", "Peru"),
        ("full_name", ""),
        ("full_name", "   "),
        ("full_name", None),
        ("organisation_type", "spy_agency"),
        ("preferred_language", "de"),
        ("organisation", "x" * 201),
    ],
)
def test_patch_me_with_a_bad_value_is_refused_and_changes_nothing(
    api_client, participant, field, value
):
    api_client.force_login(participant)
    before = User.objects.values().get(pk=participant.pk)

    response = api_client.patch(
        ME_URL, {"organisation": "Changed too", field: value}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["detail"]) == [field]
    assert User.objects.values().get(pk=participant.pk) == before


def test_patch_me_ignores_read_only_fields(api_client, participant):
    api_client.force_login(participant)

    response = api_client.patch(
        ME_URL,
        {
            "id": participant.pk + 1000,
            "email": "someone.else@example.org",
            "is_staff": True,
            "is_facilitator": True,
            "is_superuser": True,
            "full_name": "José Núñez Pérez",
        },
        format="json",
    )

    assert response.status_code == 200
    participant.refresh_from_db()
    assert participant.full_name == "José Núñez Pérez"
    assert participant.email != "someone.else@example.org"
    assert not participant.is_staff
    assert not participant.is_superuser
    assert not participant.is_facilitator
    assert response.json()["id"] == participant.pk
    assert response.json()["is_staff"] is False
    assert response.json()["is_facilitator"] is False


def test_token_throttle_cannot_be_dodged_with_a_forged_forwarded_for_header(
    api_client, participant
):
    throttle = ScopedRateThrottle()
    allowed, _period = throttle.parse_rate(throttle.THROTTLE_RATES["token"])

    for n in range(allowed):
        api_client.post(
            TOKEN_URL,
            {"email": participant.email, "password": "wrong"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    response = api_client.post(
        TOKEN_URL,
        {"email": participant.email, "password": PASSWORD},
        format="json",
        HTTP_X_FORWARDED_FOR="198.51.100.250",
    )

    assert response.status_code == 429


# One sign-in limit for both doors: the sign-in page and the token endpoint.

TOO_MANY_ATTEMPTS = "Too many failed login attempts. Try again later."


def sign_in_on_the_page(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_failed_token_requests_lock_the_account_on_the_api(api_client, participant):
    for _ in range(5):
        assert request_token(api_client, participant.email, "wrong").status_code == 400

    response = request_token(api_client, participant.email)

    assert response.status_code == 429
    assert response.json() == {"code": "too_many_login_attempts", "detail": TOO_MANY_ATTEMPTS}


def test_failed_token_requests_lock_the_account_on_the_sign_in_page(
    api_client, client, participant
):
    for _ in range(5):
        request_token(api_client, participant.email, "wrong")

    response = sign_in_on_the_page(client, participant.email)

    assert TOO_MANY_ATTEMPTS in response.text
    assert "_auth_user_id" not in client.session


def test_failed_sign_ins_on_the_page_lock_the_account_on_the_api(api_client, client, participant):
    for _ in range(5):
        assert TOO_MANY_ATTEMPTS not in sign_in_on_the_page(client, participant.email, "no").text

    response = request_token(api_client, participant.email)

    assert response.status_code == 429
    assert response.json()["detail"] == TOO_MANY_ATTEMPTS
    assert "token" not in response.json()


def test_the_lock_is_per_account(api_client, participant, other_participant):
    for _ in range(5):
        request_token(api_client, participant.email, "wrong")

    assert request_token(api_client, other_participant.email).status_code == 200


@pytest.mark.parametrize("door", ["page", "api"])
def test_a_success_through_either_door_gives_back_its_own_attempt(
    api_client, client, participant, door
):
    """As allauth does: a success does not count, but does not wipe earlier failures either
    (else an attacker could interleave successes with guesses)."""
    for n in range(4):
        if (door == "api") == (n % 2 == 0):
            sign_in_on_the_page(client, participant.email, "wrong")
        else:
            request_token(api_client, participant.email, "wrong")

    if door == "api":
        assert request_token(api_client, participant.email).status_code == 200
    else:
        assert sign_in_on_the_page(client, participant.email).status_code == 302

    assert request_token(api_client, participant.email).status_code == 200
    request_token(api_client, participant.email, "wrong")  # the fifth failure
    assert request_token(api_client, participant.email).status_code == 429


def test_a_locked_account_gets_the_message_in_its_language(api_client, participant):
    for _ in range(5):
        request_token(api_client, participant.email, "wrong")

    response = api_client.post(
        TOKEN_URL,
        {"email": participant.email, "password": PASSWORD},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.status_code == 429
    assert response.json()["detail"] != TOO_MANY_ATTEMPTS
