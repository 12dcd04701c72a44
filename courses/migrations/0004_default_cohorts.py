from django.db import migrations


def create_default_cohorts(apps, schema_editor):
    """Every published course has a self-paced default cohort."""
    Course = apps.get_model("courses", "Course")
    Cohort = apps.get_model("courses", "Cohort")
    for course in Course.objects.filter(published=True).exclude(cohorts__is_default=True):
        Cohort.objects.create(course=course, is_default=True, name="Self-paced")


class Migration(migrations.Migration):
    dependencies = [("courses", "0003_cohorts_enrolments_progress")]

    operations = [migrations.RunPython(create_default_cohorts, migrations.RunPython.noop)]
