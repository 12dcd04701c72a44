"""Accounts' services: profile changes and facilitators."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from accounts.models import FACILITATORS_GROUP
from accounts.services import make_facilitator, update_profile


def test_making_a_facilitator_twice_changes_nothing(facilitator):
    make_facilitator(facilitator)

    assert facilitator.groups.count() == 1
    assert Group.objects.filter(name=FACILITATORS_GROUP).count() == 1


def test_update_profile_collapses_whitespace_in_the_name_only(participant):
    update_profile(participant, full_name="  Nguyễn   Thị\tMinh ", organisation="  UNDP  Viet Nam ")

    participant.refresh_from_db()
    assert participant.full_name == "Nguyễn Thị Minh"
    assert participant.organisation == "UNDP  Viet Nam"


def test_update_profile_refuses_fields_that_are_not_profile_fields(participant):
    with pytest.raises(ValueError, match="email, is_staff"):
        update_profile(participant, is_staff=True, email="x@example.org")

    participant.refresh_from_db()
    assert not participant.is_staff


@pytest.mark.parametrize(
    "field, value",
    [
        ("country", "XX"),
        ("organisation_type", "spy_agency"),
        ("preferred_language", "de"),
        ("full_name", "x" * 201),
        ("full_name", ""),
        ("full_name", " \t "),
    ],
)
def test_update_profile_refuses_invalid_values_and_saves_nothing(participant, field, value):
    with pytest.raises(ValidationError) as error:
        update_profile(participant, organisation="Changed too", **{field: value})

    assert field in error.value.message_dict
    participant.refresh_from_db()
    assert participant.organisation == ""
