"""Migrating a database that held DRF's plain-text tokens (rest_framework.authtoken)."""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

BEFORE = ("accounts", "0003_full_name_prints")
AFTER = ("accounts", "0004_drop_plaintext_api_tokens")
OLD_KEY = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])


@pytest.fixture
def latest_schema_after():
    """The database back at the latest migrations after the test, for the tests that follow."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_old_plain_text_tokens_and_all_trace_of_their_app_are_dropped(latest_schema_after):
    migrate(BEFORE)
    # What rest_framework.authtoken left: its table with a key in clear, its content types and
    # permissions (one given to a group), an admin log entry about a token, its migrations.
    # The user as that migration knew it: today's model has fields added since.
    old_user = (
        MigrationExecutor(connection)
        .loader.project_state(BEFORE)
        .apps.get_model("accounts", "User")
    )
    admin = old_user.objects.create(email="admin@example.org", is_staff=True, is_superuser=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id integer NOT NULL)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s)", [OLD_KEY, admin.pk])
    token_type = ContentType.objects.create(app_label="authtoken", model="token")
    ContentType.objects.create(app_label="authtoken", model="tokenproxy")
    permission = Permission.objects.create(
        content_type=token_type, codename="view_token", name="Can view Token"
    )
    Group.objects.create(name="Integrators").permissions.add(permission)
    entry = LogEntry.objects.create(
        user_id=admin.pk, content_type=token_type, object_id=OLD_KEY, object_repr="a token",
        action_flag=ADDITION,
    )  # fmt: skip
    MigrationRecorder(connection).record_applied("authtoken", "0001_initial")

    migrate(AFTER)

    assert "authtoken_token" not in connection.introspection.table_names()
    assert not ContentType.objects.filter(app_label="authtoken").exists()
    assert not Permission.objects.filter(codename="view_token").exists()
    assert not Group.objects.get(name="Integrators").permissions.exists()
    entry.refresh_from_db()
    assert entry.content_type is None  # the log stays, unlinked
    assert not MigrationRecorder.Migration.objects.filter(app="authtoken").exists()
