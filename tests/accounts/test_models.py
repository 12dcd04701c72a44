"""The user model: identity by email, and the three roles."""

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from accounts.models import FACILITATORS_GROUP, User
from accounts.services import make_facilitator
from tests.factories import PASSWORD, make_user


def test_facilitators_group_exists_after_migrations(db):
    assert Group.objects.filter(name=FACILITATORS_GROUP).exists()


def test_a_participant_is_not_a_facilitator(participant):
    assert not participant.is_facilitator
    assert not participant.is_staff


def test_a_member_of_the_facilitators_group_is_a_facilitator(participant):
    make_facilitator(participant)

    assert participant.is_facilitator
    assert not participant.is_staff


def test_staff_are_admins_and_facilitators(admin_user, db):
    staff = make_user(is_staff=True)

    assert admin_user.is_staff
    assert admin_user.is_facilitator
    assert staff.is_facilitator


@pytest.mark.parametrize("create", ["create_user", "create_superuser"])
def test_email_is_stored_in_lower_case(db, create):
    user = getattr(User.objects, create)("  Ngozi.Okonjo@Example.ORG ", PASSWORD)

    assert user.email == "ngozi.okonjo@example.org"


def test_cleaning_a_user_lowers_their_email(db):
    user = User(email="Ngozi.Okonjo@Example.org", full_name="Ngozi Okonjo-Iweala")
    user.set_password(PASSWORD)

    user.full_clean()

    assert user.email == "ngozi.okonjo@example.org"


def test_email_is_unique_whatever_its_case(participant):
    user = User(email=participant.email.upper())

    with pytest.raises(IntegrityError), transaction.atomic():
        user.save()


def test_a_user_is_shown_by_full_name_or_else_email(participant, db):
    nameless = make_user(full_name="")

    assert str(participant) == "José Núñez"
    assert str(nameless) == nameless.email
