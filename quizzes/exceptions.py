"""The quiz engine's broken rules, each with its API code and HTTP status."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from courses.exceptions import NotEnrolled as CourseNotEnrolled
from elearn.errors import DomainError


class NotEnrolled(CourseNotEnrolled):
    """The course's not_enrolled (its code and status), with a message about quizzes."""

    default_message = _("You need to be enrolled in this course to take its quizzes.")


class AttemptLimitReached(DomainError):
    code = "attempt_limit_reached"
    status_code = status.HTTP_409_CONFLICT
    default_message = _("You have used all the attempts allowed for this quiz.")


class AlreadySubmitted(DomainError):
    code = "already_submitted"
    status_code = status.HTTP_409_CONFLICT
    default_message = _("This attempt has already been submitted.")


class TimeUp(DomainError):
    code = "time_up"
    status_code = status.HTTP_409_CONFLICT
    default_message = _(
        "The time for this attempt is up: answers can no longer be changed. Submit the attempt "
        "to see your result."
    )


class QuizHasNoQuestions(DomainError):
    code = "no_questions"
    status_code = status.HTTP_409_CONFLICT
    default_message = _("This quiz has no questions yet.")


class InvalidAnswers(DomainError):
    """Answers that do not fit the attempt; `errors` maps question id (str) -> messages."""

    code = "invalid"
    status_code = status.HTTP_400_BAD_REQUEST
    default_message = _("Some answers are not valid.")

    def __init__(self, errors: dict[str, list[str]], message=None):
        self.errors = errors
        super().__init__(message)
