from celery.signals import worker_ready
from django.dispatch import receiver

from courses.events import cohort_closed, course_completed
from courses.models import Cohort

from .models import BatchKind
from .services import request_certificate, start_certificate_batch
from .tasks import reconcile_certificates_task


@worker_ready.connect
def reconcile_on_worker_start(sender=None, **kwargs):
    # A killed worker's messages are lost (the filesystem broker) or held for an hour (Redis's
    # visibility timeout): as soon as a worker runs, everything pending, whatever its age. Many
    # workers starting at once only repeat work that issuing makes a no-op the second time.
    reconcile_certificates_task.delay(minutes=0)


@receiver(course_completed)
def issue_on_completion(sender, enrolment_id, **kwargs):
    # course_completed is sent after commit: the worker will see the completed enrolment. A
    # burst of completions sends one message (services.waiting).
    request_certificate(enrolment_id)


@receiver(cohort_closed)
def issue_on_cohort_close(sender, cohort_id, closed_by_id, **kwargs):
    # Certificates held for the close, and any completion still missing one, in one batch.
    start_certificate_batch(Cohort.objects.get(pk=cohort_id), kind=BatchKind.ISSUE, by=None)
