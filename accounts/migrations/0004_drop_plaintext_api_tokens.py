# API tokens were DRF's (rest_framework.authtoken), kept in plain text in authtoken_token, and
# are now django-rest-knox's, kept as a digest with an expiry. The old tokens are deleted, not
# carried over: every database dump and backup made so far holds them in clear, and a client
# signs in again with one request (POST /api/v1/auth/token/). rest_framework.authtoken is no
# longer installed, so its table, content types, permissions and migration records go here.
# Irreversible: going back brings no token back.

from django.db import migrations


def delete_authtoken_content_types(apps, schema_editor):
    # Their permissions go with them (and admin log entries lose their link, as for any model
    # deleted): what `remove_stale_contenttypes --include-stale-apps` would do.
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label="authtoken"
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_full_name_prints"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(delete_authtoken_content_types, migrations.RunPython.noop),
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop),
        # So that the app, installed again one day, would make its table afresh.
        migrations.RunSQL(
            "DELETE FROM django_migrations WHERE app = 'authtoken'", migrations.RunSQL.noop
        ),
    ]
