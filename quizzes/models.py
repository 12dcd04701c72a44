"""Quiz structure: a quiz belongs to a module and holds questions of six types.

Attempts and grading (the engine) build on these models; the rules for what each type needs
live in Question.clean() and are shared with the course package importer.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.markdown import render_markdown
from courses.models import Course, Module

from .exceptions import AlreadySubmitted


class ReviewPolicy(models.TextChoices):
    AFTER_EACH_ATTEMPT = "after_each_attempt", _("Show correct answers after each attempt")
    AFTER_PASSING = "after_passing", _("Show correct answers only after passing")
    NEVER = "never", _("Never show correct answers")


def new_questions_key() -> str:
    return uuid.uuid4().hex


class Quiz(models.Model):
    # `course` repeats module.course so quiz slugs are unique per course in the database.
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="quizzes", editable=False
    )
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="quizzes")
    slug = models.SlugField(_("slug"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description (Markdown)"), blank=True)
    description_html = models.TextField(editable=False, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=70, validators=[MaxValueValidator(100)]
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("maximum attempts"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty for unlimited attempts."),
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=False)
    shuffle_choices = models.BooleanField(_("shuffle choices"), default=False)
    draw_count = models.PositiveSmallIntegerField(
        _("questions drawn per attempt"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Draw this many questions at random from the pool; empty for all."),
    )
    review_policy = models.CharField(
        _("review policy"),
        max_length=32,
        choices=ReviewPolicy.choices,
        default=ReviewPolicy.AFTER_EACH_ATTEMPT,
    )
    optional = models.BooleanField(
        _("optional"), default=False, help_text=_("Not needed to complete the course.")
    )
    # A new value on every write to the quiz's questions, their choices or matching pairs
    # (quizzes.signals): names the version of the questions that selectors.get_quiz_questions
    # keeps in memory.
    questions_key = models.CharField(max_length=32, default=new_questions_key, editable=False)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="quiz_slug_unique_in_course"),
            models.CheckConstraint(
                condition=models.Q(pass_mark__lte=100), name="quiz_pass_mark_max_100"
            ),
            models.CheckConstraint(
                condition=models.Q(max_attempts__isnull=True) | models.Q(max_attempts__gte=1),
                name="quiz_max_attempts_positive",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.course_id = self.module.course_id
        self.description_html = render_markdown(self.description)
        super().save(*args, **kwargs)


class QuestionType(models.TextChoices):
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_RESPONSE = "multiple_response", _("Multiple response")
    TRUE_FALSE = "true_false", _("True or false")
    SHORT_ANSWER = "short_answer", _("Short answer")
    NUMERIC = "numeric", _("Numeric")
    MATCHING = "matching", _("Matching")


CHOICE_TYPES = {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_RESPONSE, QuestionType.TRUE_FALSE}


class Question(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(_("key"), max_length=100)
    type = models.CharField(_("type"), max_length=32, choices=QuestionType.choices)
    prompt = models.TextField(_("prompt (Markdown)"))
    prompt_html = models.TextField(editable=False, blank=True)
    points = models.PositiveSmallIntegerField(
        _("points"), default=1, validators=[MinValueValidator(1)]
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    feedback_correct = models.TextField(_("feedback when correct (Markdown)"), blank=True)
    feedback_correct_html = models.TextField(editable=False, blank=True)
    feedback_incorrect = models.TextField(_("feedback when incorrect (Markdown)"), blank=True)
    feedback_incorrect_html = models.TextField(editable=False, blank=True)
    partial_credit = models.BooleanField(
        _("partial credit"), default=False, help_text=_("Multiple response and matching only.")
    )
    accepted_answers = models.JSONField(
        _("accepted answers"), default=list, blank=True, help_text=_("Short answer only.")
    )
    numeric_answer = models.DecimalField(
        _("numeric answer"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    tolerance = models.DecimalField(
        _("tolerance"),
        max_digits=20,
        decimal_places=6,
        default=0,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["quiz", "key"], name="question_key_unique_in_quiz"),
            models.CheckConstraint(
                condition=models.Q(tolerance__gte=0), name="question_tolerance_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.quiz}: {self.key}"

    def save(self, *args, **kwargs):
        # Rendered once here rather than on every review (bench/: it was a quarter of a
        # submission's time).
        self.prompt_html = render_markdown(self.prompt)
        self.feedback_correct_html = render_markdown(self.feedback_correct)
        self.feedback_incorrect_html = render_markdown(self.feedback_incorrect)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {
                *update_fields,
                "prompt_html",
                "feedback_correct_html",
                "feedback_incorrect_html",
            }
        super().save(*args, **kwargs)

    def clean(self):
        if self.type == QuestionType.SHORT_ANSWER:
            from .grading import normalise_text  # grading imports this module

            answers = self.accepted_answers
            if (  # an answer of only spaces and punctuation could never be matched
                not isinstance(answers, list)
                or not answers
                or not all(isinstance(a, str) and normalise_text(a) for a in answers)
            ):
                raise ValidationError(
                    {"accepted_answers": _("Give at least one accepted answer, as a list of text.")}
                )
        if self.type == QuestionType.NUMERIC and self.numeric_answer is None:
            raise ValidationError({"numeric_answer": _("A numeric question needs an answer.")})


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    key = models.SlugField(_("key"), max_length=100)
    text = models.TextField(_("text"))
    is_correct = models.BooleanField(_("correct"), default=False)
    feedback = models.TextField(_("feedback"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "key"], name="choice_key_unique_in_question"
            ),
        ]

    def __str__(self):
        return self.text


class MatchPair(models.Model):
    """One prompt of a matching question and the answer it must be matched to."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="pairs")
    key = models.SlugField(_("key"), max_length=100)
    prompt = models.TextField(_("prompt"))
    answer = models.TextField(_("answer"))
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("matching pair")
        verbose_name_plural = _("matching pairs")
        constraints = [
            models.UniqueConstraint(fields=["question", "key"], name="pair_key_unique_in_question"),
        ]

    def __str__(self):
        return f"{self.prompt} → {self.answer}"


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")


class Attempt(models.Model):
    """One go at a quiz by one participant.

    `layout` fixes, when the attempt starts, which questions were drawn and in which order the
    questions, choices and matching prompts and options are shown: [{"question": id,
    "choices": [[opaque id, choice id], ...], "prompts": [pair ids], "options": [[opaque id,
    pair id], ...]}] (quizzes.grading.LayoutItem; attempts started before choices had opaque
    ids list bare choice ids, shown as they are). A matching option shows the answer text of its
    pair; the participant only ever sees the opaque ids of choices and options. `answers` holds
    what the participant has given so far, by question id (choices by choice id, options by
    opaque id); it is saved as they go and graded once, on submission, into `results`
    ({question id: {"points", "max_points", "correct", "outcome"}}).

    With a time limit, `deadline` is fixed at the start; answers cannot be saved after it, and
    an attempt still in progress after it is graded on what was saved (quizzes.services).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField(_("attempt number"))
    status = models.CharField(
        _("status"), max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    layout = models.JSONField(default=list)
    answers = models.JSONField(default=dict, blank=True)
    answers_saved_at = models.DateTimeField(null=True, blank=True)
    results = models.JSONField(default=dict, blank=True)
    points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_points = models.PositiveIntegerField(null=True, blank=True)
    score = models.DecimalField(
        _("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quiz", "number"], name="attempt_number_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=models.Q(status="in_progress"),
                name="one_attempt_in_progress_per_quiz",
            ),
            models.CheckConstraint(
                condition=models.Q(status="in_progress")
                | (models.Q(submitted_at__isnull=False) & models.Q(passed__isnull=False)),
                name="submitted_attempt_is_graded",
            ),
        ]
        indexes = [models.Index(fields=["user", "quiz", "status"])]

    def __str__(self):
        return f"{self.user}: {self.quiz} #{self.number}"

    @property
    def is_submitted(self) -> bool:
        return self.status == AttemptStatus.SUBMITTED

    def is_past_deadline(self, now) -> bool:
        """True once `now` is later than the deadline (the deadline itself still counts)."""
        return self.deadline is not None and now > self.deadline

    def submit(self, *, at, points, max_points, score, passed, results) -> bool:
        """In progress to submitted, with the grade (in memory; the caller saves). True if this
        call made the move. The same submission again (the same time and grade: an attempt
        closed at its deadline, then submitted late) changes nothing and returns False; any
        other submission of a submitted attempt raises AlreadySubmitted."""
        grade = {
            "submitted_at": at,
            "points": points,
            "max_points": max_points,
            "score": score,
            "passed": passed,
            "results": results,
        }
        if self.is_submitted:
            if all(getattr(self, name) == value for name, value in grade.items()):
                return False
            raise AlreadySubmitted()
        self.status = AttemptStatus.SUBMITTED
        for name, value in grade.items():
            setattr(self, name, value)
        return True
