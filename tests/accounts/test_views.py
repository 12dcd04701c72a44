"""Accounts through the pages: sign-up, verification, sign-in, password and email, profile."""

import re
from html.parser import HTMLParser

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user
from django.urls import reverse
from knox.models import AuthToken

from accounts.models import User
from accounts.services import issue_api_token
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "another-long-password-77"
EMAIL_LINK = re.compile(r"https?://testserver(/\S+)")
TOO_MANY_ATTEMPTS = "Too many failed login attempts"


def signup_data(**overrides):
    return {
        "email": "amina@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "full_name": "Amina Diallo",
        "country": "SN",
        "organisation": "Direction des marchés publics",
        "organisation_type": "procurement_agency",
        "preferred_language": "fr",
        **overrides,
    }


def link_in(message) -> str:
    """The path of the one link in an email."""
    links = EMAIL_LINK.findall(message.body)
    assert len(links) == 1, message.body
    return links[0]


@pytest.fixture
def sign_up(client, db, django_capture_on_commit_callbacks):
    """POST the sign-up page, running the email task the request enqueues on commit."""

    def post(**overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("account_signup"), signup_data(**overrides))

    return post


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


# Sign-up and verification


def test_sign_up_creates_the_user_with_their_profile(sign_up):
    response = sign_up()

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email="amina@example.org")
    assert user.full_name == "Amina Diallo"
    assert user.country.code == "SN"
    assert user.organisation == "Direction des marchés publics"
    assert user.organisation_type == "procurement_agency"
    assert user.preferred_language == "fr"
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert not user.is_facilitator


def test_sign_up_sends_a_verification_link(sign_up, mailoutbox):
    sign_up()

    [message] = mailoutbox
    assert message.to == ["amina@example.org"]
    assert "confirm" in message.subject.lower()
    assert link_in(message).startswith("/accounts/confirm-email/")
    # allauth's templates greet from the site and name its domain.
    assert "Hello from example.com!" in message.body
    assert "Hello from !" not in message.body


@pytest.mark.parametrize(
    "name",
    [
        "José Núñez",
        "Nguyễn Thị Minh",
        "Łukasz Żółć",
        "Αλέξανδρος Παπαδόπουλος",
        "Ngozi Okonjo-Iweala",
        "محمد عبد الله",
    ],
)
def test_full_names_in_any_script_are_stored_exactly(sign_up, name):
    sign_up(full_name=f"  {name.replace(' ', '   ')}\t")

    assert User.objects.get(email="amina@example.org").full_name == name


def test_sign_up_without_a_full_name_is_refused(sign_up, mailoutbox):
    response = sign_up(full_name="   ")

    assert response.status_code == 200
    assert "full_name" in response.context["form"].errors
    assert not User.objects.exists()
    assert mailoutbox == []


def test_unverified_user_cannot_sign_in(sign_up, client):
    sign_up()
    client.logout()

    response = sign_in(client, "amina@example.org")

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert not get_user(client).is_authenticated
    assert client.get(reverse("profile")).status_code == 302


def test_unverified_user_signing_in_is_sent_a_fresh_link(
    client, db, mailoutbox, django_capture_on_commit_callbacks
):
    user = make_user(verified=False)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)

    with django_capture_on_commit_callbacks(execute=True):
        sign_in(client, user.email)

    assert not get_user(client).is_authenticated
    [message] = mailoutbox
    assert message.to == [user.email]
    assert link_in(message).startswith("/accounts/confirm-email/")


def test_following_the_link_verifies_the_email_and_signs_in(sign_up, client, mailoutbox):
    sign_up()
    link = link_in(mailoutbox[0])
    assert not get_user(client).is_authenticated

    page = client.get(link)
    assert page.status_code == 200
    response = client.post(link)

    assert response.status_code == 302
    user = User.objects.get(email="amina@example.org")
    assert EmailAddress.objects.get(user=user, email="amina@example.org").verified
    assert get_user(client) == user


def test_verified_user_can_sign_in_after_following_the_link(sign_up, client, mailoutbox):
    sign_up()
    client.post(link_in(mailoutbox[0]))
    client.post(reverse("account_logout"))

    response = sign_in(client, "amina@example.org")

    assert response.status_code == 302
    assert get_user(client).email == "amina@example.org"


def test_sign_up_with_an_existing_email_reveals_nothing_and_warns_the_owner(
    sign_up, participant, mailoutbox
):
    fresh = sign_up(email="someone.new@example.org")
    mailoutbox.clear()

    duplicate = sign_up(email=participant.email.upper(), full_name="Impostor")

    # Looks exactly like a fresh sign-up...
    assert duplicate.status_code == fresh.status_code == 302
    assert duplicate.url == fresh.url == reverse("account_email_verification_sent")
    # ...but creates nothing and tells the owner instead.
    assert User.objects.filter(email__iexact=participant.email).count() == 1
    participant.refresh_from_db()
    assert participant.full_name == "José Núñez"
    [message] = mailoutbox
    assert message.to == [participant.email]
    assert "already exists" in message.body
    assert link_in(message) == reverse("account_reset_password")


# Sign-in, sign-out, password and email


def test_sign_in_by_email_ignores_case(client, participant):
    response = sign_in(client, f"  {participant.email.upper()} ")

    assert response.status_code == 302
    assert get_user(client) == participant


def test_user_created_with_capitals_in_their_email_can_sign_in(client, db):
    user = make_user(email="Ngozi.Okonjo@Example.org")

    for typed in ("ngozi.okonjo@example.org", "Ngozi.Okonjo@Example.org"):
        response = sign_in(client, typed)

        assert response.status_code == 302, typed
        assert get_user(client) == user
        client.logout()


def test_sign_in_with_a_wrong_password_is_refused(client, participant):
    response = sign_in(client, participant.email, "not-the-password")

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not get_user(client).is_authenticated


def test_sign_out_takes_a_post(client_for, participant):
    client = client_for(participant)

    client.get(reverse("account_logout"))
    assert get_user(client) == participant

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert not get_user(client).is_authenticated


def test_password_reset_link_sets_a_new_password(
    client, participant, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": participant.email})
    assert response.status_code == 302

    [message] = mailoutbox
    assert message.to == [participant.email]
    form_page = client.get(link_in(message), follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    response = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302

    client.logout()
    assert sign_in(client, participant.email, PASSWORD).status_code == 200
    assert sign_in(client, participant.email, NEW_PASSWORD).status_code == 302
    assert get_user(client) == participant


def test_password_reset_for_an_unknown_email_reveals_nothing(
    client, db, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})

    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")
    # Only the address's owner learns that it has no account here.
    [message] = mailoutbox
    assert message.to == ["nobody@example.org"]
    assert "account" in message.body
    assert "/accounts/password/reset/key/" not in message.body


def test_changing_email_sends_a_verification_link_to_the_new_address(
    client_for, participant, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(participant)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_email"), {"email": "jose.new@example.org", "action_add": ""}
        )

    assert response.status_code == 302
    new = EmailAddress.objects.get(user=participant, email="jose.new@example.org")
    assert not new.verified
    [message] = mailoutbox
    assert message.to == ["jose.new@example.org"]
    assert link_in(message).startswith("/accounts/confirm-email/")

    client.post(link_in(message))
    participant.refresh_from_db()
    assert participant.email == "jose.new@example.org"


# Rate limit


def test_repeated_failed_sign_ins_for_one_account_are_refused(client, participant):
    for _ in range(5):
        assert TOO_MANY_ATTEMPTS not in sign_in(client, participant.email, "wrong").text

    # Refused even with the right password now.
    response = sign_in(client, participant.email)

    assert TOO_MANY_ATTEMPTS in response.text
    assert not get_user(client).is_authenticated


def test_repeated_failed_sign_ins_from_one_address_are_refused(client, participant):
    for n in range(10):
        assert TOO_MANY_ATTEMPTS not in sign_in(client, f"guess{n}@example.org", "wrong").text

    response = sign_in(client, participant.email)

    assert TOO_MANY_ATTEMPTS in response.text
    assert not get_user(client).is_authenticated


def test_a_forged_forwarded_for_header_does_not_dodge_the_limit(client, participant):
    for n in range(10):
        client.post(
            reverse("account_login"),
            {"login": f"guess{n}@example.org", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )

    response = client.post(
        reverse("account_login"),
        {"login": participant.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.250",
    )

    assert TOO_MANY_ATTEMPTS in response.text
    assert not get_user(client).is_authenticated


def test_failed_sign_ins_from_another_address_do_not_lock_out_a_user(client, participant):
    for n in range(10):
        sign_in(client, f"guess{n}@example.org", "wrong")

    response = client.post(
        reverse("account_login"),
        {"login": participant.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )

    assert response.status_code == 302
    assert get_user(client) == participant


# Admin


def test_admin_adds_a_user_with_their_email_in_lower_case(client_for, admin_user):
    client = client_for(admin_user)

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "Nguyen.Minh@Example.org",
            "full_name": "Nguyễn Thị Minh",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert User.objects.get(full_name="Nguyễn Thị Minh").email == "nguyen.minh@example.org"


def test_only_staff_reach_the_admin(client_for, participant, facilitator, admin_user, db):
    staff = make_user(is_staff=True)

    for user, status in [(participant, 302), (facilitator, 302), (staff, 200), (admin_user, 200)]:
        assert client_for(user).get(reverse("admin:index")).status_code == status, user


def test_admins_find_and_revoke_api_tokens_but_cannot_make_one(client_for, admin_user, participant):
    key = issue_api_token(participant).key
    client = client_for(admin_user)

    assert client.get(reverse("admin:knox_authtoken_add")).status_code == 403
    listed = client.get(reverse("admin:knox_authtoken_changelist"), {"q": key[:15]})
    assert listed.status_code == 200
    assert participant.full_name in listed.text
    assert key not in listed.text
    [token] = AuthToken.objects.filter(user=participant)
    response = client.post(reverse("admin:knox_authtoken_delete", args=[token.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not AuthToken.objects.exists()


# Profile page


def test_profile_needs_sign_in(client, db):
    response = client.get(reverse("profile"))

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={reverse('profile')}"


def test_profile_shows_the_signed_in_users_own_profile(
    client_for, participant, django_assert_max_num_queries
):
    other = make_user(full_name="Somebody Else", organisation="Another Organisation")
    client = client_for(participant)

    with django_assert_max_num_queries(4):
        response = client.get(reverse("profile"))

    assert response.status_code == 200
    assert participant.email in response.text
    assert 'value="José Núñez"' in response.text
    assert other.email not in response.text
    assert "Somebody Else" not in response.text
    assert "Another Organisation" not in response.text


def profile_data(**overrides):
    return {
        "full_name": "José  Antonio Núñez ",
        "country": "CL",
        "organisation": "ChileCompra",
        "organisation_type": "procurement_agency",
        "preferred_language": "es",
        **overrides,
    }


def test_profile_update_saves_the_users_own_profile(client_for, participant, other_participant):
    client = client_for(participant)

    response = client.post(
        reverse("profile"),
        profile_data(email="taken@example.org", is_staff="on", id=other_participant.pk),
    )

    assert response.status_code == 302
    assert response.url == reverse("profile")
    participant.refresh_from_db()
    assert participant.full_name == "José Antonio Núñez"
    assert participant.country.code == "CL"
    assert participant.organisation == "ChileCompra"
    assert participant.preferred_language == "es"
    # Only profile fields change, and only the signed-in user's.
    assert participant.email.endswith("@example.org")
    assert participant.email != "taken@example.org"
    assert not participant.is_staff
    other_participant.refresh_from_db()
    assert other_participant.full_name == "Nguyễn Thị Minh"


@pytest.mark.parametrize(
    "field, value",
    [
        ("full_name", ""),
        ("full_name", "   "),
        ("organisation_type", "spy_agency"),
        ("organisation_type", ""),
        ("country", "XX"),
        ("preferred_language", "de"),
    ],
)
def test_profile_update_with_bad_input_shows_an_error_and_changes_nothing(
    client_for, participant, field, value
):
    client = client_for(participant)
    before = User.objects.values().get(pk=participant.pk)

    response = client.post(reverse("profile"), profile_data(**{field: value}))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert User.objects.values().get(pk=participant.pk) == before


# Language


def test_pages_are_in_english_by_default(client, db):
    response = client.get(reverse("account_login"))

    assert '<html lang="en" dir="ltr">' in response.text
    assert response.headers["Content-Language"] == "en"


def test_signed_in_user_gets_pages_in_their_preferred_language(client_for, db):
    client = client_for(make_user(preferred_language="fr"))

    response = client.get(reverse("profile"))

    assert '<html lang="fr" dir="ltr">' in response.text
    assert response.headers["Content-Language"] == "fr"


def test_the_language_switcher_wins_over_the_preferred_language(client_for, db):
    client = client_for(make_user(preferred_language="fr"))

    client.post(reverse("set_language"), {"language": "es", "next": reverse("profile")})
    response = client.get(reverse("profile"))

    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert '<html lang="es" dir="ltr">' in response.text
    assert response.headers["Content-Language"] == "es"


def test_arabic_pages_are_right_to_left(client_for, db):
    client = client_for(make_user(preferred_language="ar"))

    response = client.get(reverse("profile"))

    assert '<html lang="ar" dir="rtl">' in response.text
    assert response.headers["Content-Language"] == "ar"


def test_preferred_language_applies_right_after_sign_in(client, db):
    user = make_user(preferred_language="fr")

    sign_in(client, user.email)
    response = client.get(reverse("profile"))

    assert '<html lang="fr"' in response.text


# Page structure


class PageOutline(HTMLParser):
    """What the page checks need from a page: headings, labels, form controls, links."""

    def __init__(self):
        super().__init__()
        self.h1_count = 0
        self.label_targets = set()
        self.controls = []
        self.skip_link_targets = []
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "h1":
            self.h1_count += 1
        elif tag == "label" and attrs.get("for"):
            self.label_targets.add(attrs["for"])
        elif tag == "a" and "skip-link" in (attrs.get("class") or "").split():
            self.skip_link_targets.append(attrs.get("href"))
        elif tag in ("input", "select", "textarea") and attrs.get("type") not in (
            "hidden",
            "submit",
            "button",
        ):
            self.controls.append(attrs)


@pytest.mark.parametrize("url_name", ["account_login", "account_signup"])
def test_sign_in_and_sign_up_pages_are_accessible(client, db, url_name):
    response = client.get(reverse(url_name))
    outline = PageOutline()
    outline.feed(response.text)

    assert response.status_code == 200
    assert "base.html" in [t.name for t in response.templates]
    assert outline.h1_count == 1
    assert outline.controls
    unlabelled = [c for c in outline.controls if c.get("id") not in outline.label_targets]
    assert unlabelled == []
    assert outline.skip_link_targets == ["#main"]
    assert "main" in outline.ids


class FormShape(HTMLParser):
    """Each select's first option, and which fields and labels are marked required."""

    def __init__(self):
        super().__init__()
        self.first_options, self.required_fields, self.marked_labels = {}, set(), set()
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"input", "select", "textarea"} and "required" in attrs:
            self.required_fields.add(attrs["name"])
        if tag == "select":
            self._select = attrs["name"]
        if tag == "option" and self._select and self._select not in self.first_options:
            self.first_options[self._select] = attrs.get("value")
            self._first = True
        if tag == "label" and "required" in (attrs.get("class") or "").split():
            self.marked_labels.add(attrs["for"].removeprefix("id_"))

    def handle_data(self, data):
        if getattr(self, "_first", False):
            self.first_options[self._select] = (self.first_options[self._select], data)
            self._first = False

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


@pytest.mark.parametrize(
    "language,choose,note",
    [
        ("en", "Choose…", "are required."),
        ("fr", "Choisir…", "sont obligatoires."),
        ("es", "Elegir…", "son obligatorios."),
        ("ar", "اختر…", "إلزامية."),
    ],
)
def test_sign_up_selects_say_what_to_do_and_required_fields_are_marked(
    client, db, language, choose, note
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("account_signup")).content.decode()
    form = FormShape()
    form.feed(page)

    assert "---------" not in page
    fields = {"country", "organisation_type", "preferred_language"}
    assert {name: form.first_options[name] for name in fields} == {
        "country": ("", choose),
        "organisation_type": ("", choose),
        "preferred_language": ("", choose),
    }
    required = {"email", "password1", "password2", "full_name", "organisation_type"}
    assert required <= form.required_fields
    assert form.marked_labels == form.required_fields  # the mark and `required` agree
    assert "country" not in form.marked_labels
    # The note explaining the mark comes before the first field.
    assert note in page
    assert page.index('class="required-note"') < page.index('name="email"')
