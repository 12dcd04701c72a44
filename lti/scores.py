"""What the platforms' gradebooks are owed (LTI Assignment and Grade Services 2.0).

Called by the services of the events, inside their transaction: a course completed
(courses.services.progress) and a quiz submitted (quizzes.services). Each writes a Score to
the outbox for every grade link of the participant (a line item of a link they launched) and
asks for it to be sent once the transaction commits. Nothing for people who never launched a
graded link: one query finds none (for a quiz, none at all: the submission reads whether there
are any with the attempt it locks, grade_links_exist).

Scores are out of 100: a course completed is 100; a quiz is the participant's best score so
far (a percentage), so a weaker later attempt does not lower the gradebook.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, Max, OuterRef

from .models import ActivityProgress, GradeLink, Score

MAXIMUM = Decimal(100)


def record_course_score(enrolment) -> None:
    """The participant completed the course: 100 to each line item of a course link of theirs."""
    links = list(
        GradeLink.objects.filter(
            user_id=enrolment.user_id, course_id=enrolment.course_id, quiz__isnull=True
        )
    )
    _record(links, given=MAXIMUM, at=enrolment.completed_at)


def grade_links_exist() -> Exists:
    """For a query of attempts: whether the attempt's participant has a grade link to its quiz
    (annotate the attempt with it, and pass it to record_quiz_score as `linked`)."""
    return Exists(
        GradeLink.objects.filter(user_id=OuterRef("user_id"), quiz_id=OuterRef("quiz_id"))
    )


def record_quiz_score(attempt, *, linked: bool = True) -> None:
    """An attempt was graded: the participant's best score at the quiz to each line item of a
    link of theirs to it. With `linked` False (read with the attempt: grade_links_exist) there is
    none, and nothing is asked."""
    if not linked:
        return
    links = list(GradeLink.objects.filter(user_id=attempt.user_id, quiz_id=attempt.quiz_id))
    if links:
        _record(
            links, given=best_quiz_score(attempt.user_id, attempt.quiz_id), at=attempt.submitted_at
        )


def best_quiz_score(user_id: int, quiz_id: int) -> Decimal | None:
    from quizzes.models import Attempt, AttemptStatus  # quizzes.services imports this module

    return Attempt.objects.filter(
        user_id=user_id, quiz_id=quiz_id, status=AttemptStatus.SUBMITTED
    ).aggregate(best=Max("score"))["best"]


def _record(links: list[GradeLink], *, given: Decimal | None, at: datetime) -> None:
    if not links or given is None:
        return
    Score.objects.bulk_create(
        Score(
            grade_link=link,
            score_given=given,
            score_maximum=MAXIMUM,
            activity_progress=ActivityProgress.COMPLETED,
            timestamp=at,
        )
        for link in links
    )
    from .tasks import send_scores_task

    transaction.on_commit(send_scores_task.delay)
