"""Names that print: the full name is kept as certificates print it, through every door."""

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.names import MAX_MARKS_PER_LETTER
from accounts.services import update_profile
from tests.factories import make_user

ME_URL = "/api/v1/me/"
ZALGO = "a" + "\u0301" * 195
INVISIBLE = "\u200b\u202e\u2066\u200f\u2069\u202c\ufeff"


@pytest.mark.parametrize(
    "given, kept",
    [
        ("Jose\u0301 Nu\u0301n\u0303ez", "José Núñez"),  # decomposed accents: NFC
        ("Amina\x07 Diallo\x1b", "Amina Diallo"),  # BEL and ESC
        ("\u202eAmina Diallo\u202c", "Amina Diallo"),  # a right-to-left override
        ("\u2067محمد عبد الله\u2069", "محمد عبد الله"),  # an isolate
        ("Amina\u200b Diallo\ufeff", "Amina Diallo"),  # zero-width space, byte order mark
        ("Amina\u2028\tDiallo", "Amina Diallo"),  # line separator and tab: one space
        ("مهر\u200cناز", "مهر\u200cناز"),  # noqa: RUF001 - Persian: the non-joiner stays
        ("Nguyễn Thị Minh", "Nguyễn Thị Minh"),
        ("مُحَمَّد", "مُحَمَّد"),  # Arabic letters with vowels and shadda
        ("བསྒྲུབས", "བསྒྲུབས"),  # a Tibetan stack
        ("क्षितिज", "क्षितिज"),  # a Devanagari conjunct
    ],
)
def test_a_name_is_kept_as_certificates_print_it(api_client, db, given, kept):
    user = make_user(full_name="Before")
    api_client.force_authenticate(user)

    response = api_client.patch(ME_URL, {"full_name": given}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["full_name"] == kept
    user.refresh_from_db()
    assert user.full_name == kept


@pytest.mark.parametrize(
    "name", [INVISIBLE, "\u0301\u0302", "123", "- . -", "\x07\x1b", ZALGO, "Am" + "\u0300" * 6]
)
def test_a_name_that_would_not_print_is_refused_and_changes_nothing(api_client, db, name):
    user = make_user(full_name="Amina Diallo")
    api_client.force_authenticate(user)

    response = api_client.patch(ME_URL, {"full_name": name}, format="json")

    assert response.status_code == 400
    assert "full_name" in response.json()["detail"]
    user.refresh_from_db()
    assert user.full_name == "Amina Diallo"


def test_a_letter_may_carry_a_few_marks(db):
    user = make_user()

    name = "Ax" + "\u0300" * MAX_MARKS_PER_LETTER  # no precomposed x with a grave accent

    update_profile(user, full_name=name)

    assert user.full_name == name


def test_the_profile_page_refuses_stacked_marks_with_a_clear_message(client_for, db):
    user = make_user(full_name="Amina Diallo")
    client = client_for(user)

    response = client.post(
        reverse("profile"),
        {"full_name": ZALGO, "organisation_type": "nhri", "preferred_language": ""},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["full_name"] == [
        f"Too many accents or marks on one letter (at most {MAX_MARKS_PER_LETTER})."
    ]
    user.refresh_from_db()
    assert user.full_name == "Amina Diallo"


@pytest.mark.parametrize(
    "language, no_letter, marks",
    [
        ("fr", "Un nom doit contenir au moins une lettre.", "Trop d’accents"),  # noqa: RUF001
        ("es", "Un nombre necesita al menos una letra.", "Demasiados acentos"),
        ("ar", "يجب أن يحتوي الاسم على حرف واحد على الأقل.", "علامات"),
    ],
)
def test_the_messages_are_in_the_users_language(client_for, db, language, no_letter, marks):
    client = client_for(make_user(full_name="Amina Diallo", preferred_language=language))

    no_letters = client.post(
        reverse("profile"), {"full_name": "- 1 -", "organisation_type": "nhri"}
    )
    stacked = client.post(reverse("profile"), {"full_name": ZALGO, "organisation_type": "nhri"})

    assert no_letters.context["form"].errors["full_name"] == [no_letter]
    assert stacked.context["form"].errors["full_name"][0].startswith(marks)


def test_a_name_of_invisible_characters_is_an_empty_name(client_for, db):
    client = client_for(make_user(full_name="Amina Diallo"))

    response = client.post(
        reverse("profile"), {"full_name": INVISIBLE, "organisation_type": "nhri"}
    )

    assert response.context["form"].errors["full_name"] == ["Please enter your full name."]


def test_sign_up_refuses_a_name_of_invisible_characters(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "amina@example.org",
            "password1": "a-long-password-77",
            "password2": "a-long-password-77",
            "full_name": INVISIBLE,
            "organisation_type": "nhri",
        },
    )

    assert response.status_code == 200
    assert "full_name" in response.context["form"].errors
    assert not User.objects.exists()


def test_the_admin_keeps_a_name_as_certificates_print_it(client_for, admin_user):
    user = make_user(full_name="Amina Diallo")
    client = client_for(admin_user)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "groups"}
    data.update({"full_name": "\u202eAmina\x07 Diallo", "date_joined_0": "2026-01-01",
                 "date_joined_1": "00:00:00", "user_permissions": [], "groups": []})  # fmt: skip
    data = {k: v for k, v in data.items() if k not in ("date_joined", "last_login")}

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.full_name == "Amina Diallo"
