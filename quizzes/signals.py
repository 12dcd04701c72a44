"""Give a quiz a new questions_key on every write to its questions, their choices or matching
pairs, so that the questions selectors.get_quiz_questions keeps in memory are never served
stale.

Writes come from the package importer, the question-bank importer, the admin and the shell
alike, so the hook is on the models' save and delete signals rather than in each caller (as
courses.signals does for outlines). A write that bypasses them (QuerySet.update, bulk_create,
raw SQL) must call invalidate_questions itself.
"""

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .models import Choice, MatchPair, Question, Quiz, new_questions_key

# Each model's parent: a question's quiz, a choice's or pair's question.
_PARENT = {Question: "quiz_id", Choice: "question_id", MatchPair: "question_id"}


def invalidate_questions(quizzes: QuerySet[Quiz]) -> None:
    """Give the quizzes a new questions_key: the next read of their questions is fresh."""
    quizzes.update(questions_key=new_questions_key())


def _quizzes_of(sender, parents: set[int]) -> QuerySet[Quiz]:
    if sender is Question:
        return Quiz.objects.filter(pk__in=parents)
    return Quiz.objects.filter(questions__in=parents)


@receiver(pre_save, sender=Question)
@receiver(pre_save, sender=Choice)
@receiver(pre_save, sender=MatchPair)
def remember_parent(sender, instance, **kwargs):
    # A question moved to another quiz (or a choice to another question) changes the one it
    # leaves too.
    if instance.pk is not None:
        instance._parent_before = (
            sender.objects.filter(pk=instance.pk).values_list(_PARENT[sender], flat=True).first()
        )


@receiver([post_save, post_delete], sender=Question)
@receiver([post_save, post_delete], sender=Choice)
@receiver([post_save, post_delete], sender=MatchPair)
def questions_changed(sender, instance, **kwargs):
    parents = {getattr(instance, _PARENT[sender]), getattr(instance, "_parent_before", None)}
    parents.discard(None)
    if parents:
        invalidate_questions(_quizzes_of(sender, parents))
