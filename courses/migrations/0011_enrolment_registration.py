"""Each enrolment gets a UUID, its registration in xAPI statements: added empty, filled for the
enrolments there are, then required and unique (a column with a default would give every
existing row the same value)."""

import uuid

from django.db import migrations, models


def fill_registrations(apps, schema_editor):
    Enrolment = apps.get_model("courses", "Enrolment")
    batch = []
    for enrolment in Enrolment.objects.filter(registration__isnull=True).only("pk").iterator():
        enrolment.registration = uuid.uuid4()
        batch.append(enrolment)
        if len(batch) == 2000:
            Enrolment.objects.bulk_update(batch, ["registration"])
            batch = []
    Enrolment.objects.bulk_update(batch, ["registration"])


class Migration(migrations.Migration):
    dependencies = [("courses", "0010_activity_months")]

    operations = [
        migrations.AddField(
            model_name="enrolment",
            name="registration",
            field=models.UUIDField(editable=False, null=True, verbose_name="registration"),
        ),
        migrations.RunPython(fill_registrations, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="enrolment",
            name="registration",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="registration"
            ),
        ),
    ]
