"""Keep cached course outlines in step with every write to a course's structure.

Writes come from the import service, the admin and the shell alike, so the hook is on the
models' save and delete signals rather than in each caller.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from quizzes.models import Question, Quiz

from .models import Course, Lesson, Module
from .outline import invalidate_outline


@receiver([post_save, post_delete], sender=Module)
@receiver([post_save, post_delete], sender=Lesson)
@receiver([post_save, post_delete], sender=Quiz)
def structure_changed(sender, instance, **kwargs):
    invalidate_outline(instance.course_id)


@receiver([post_save, post_delete], sender=Question)
def question_changed(sender, instance, **kwargs):
    # The outline shows each quiz's number of questions.
    for course_id in Course.objects.filter(quizzes=instance.quiz_id).values_list("pk", flat=True):
        invalidate_outline(course_id)
