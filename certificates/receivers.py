from django.dispatch import receiver

from courses.events import course_completed

from .tasks import issue_certificate_task


@receiver(course_completed)
def issue_on_completion(sender, enrolment_id, **kwargs):
    # course_completed is sent after commit: the task sees the completed enrolment.
    issue_certificate_task.delay(enrolment_id)
