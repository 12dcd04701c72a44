from django.core.management import call_command
from django.db import migrations


def create_facilitators_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="Facilitators")


def create_cache_table(apps, schema_editor):
    # The database cache (the default, shared by all web processes for login rate limits) needs
    # its table; createcachetable does nothing for other cache backends or an existing table.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_facilitators_group, migrations.RunPython.noop),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
