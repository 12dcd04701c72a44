"""The outboxes in the admin (xAPI statements, LTI scores): an admin sees what was sent and
what waits; nobody adds or edits a row there, as the senders own them."""

import pytest
from django.urls import reverse
from django.utils import timezone

from xapi.models import Statement

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["xapi_statement", "lti_score"])
def test_an_admin_sees_the_outbox_and_cannot_add_to_it(admin_user, client_for, model):
    client = client_for(admin_user)

    assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{model}_add")).status_code == 403


def test_a_row_is_shown_read_only(admin_user, client_for):
    statement = Statement.objects.create(
        verb="completed", payload={"verb": {"id": "completed"}}, sent_at=timezone.now()
    )
    client = client_for(admin_user)

    page = client.get(reverse("admin:xapi_statement_change", args=[statement.pk]))
    listing = client.get(reverse("admin:xapi_statement_changelist") + "?sent_at__isempty=0")

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert "completed" in listing.content.decode()
    assert (
        client.post(reverse("admin:xapi_statement_change", args=[statement.pk]), {}).status_code
        == 403
    )


def test_a_participant_cannot_open_the_outboxes(participant, client_for):
    client = client_for(participant)

    for model in ["xapi_statement", "lti_score"]:
        response = client.get(reverse(f"admin:{model}_changelist"))
        assert response.status_code == 302
        assert reverse("admin:login") in response.url
