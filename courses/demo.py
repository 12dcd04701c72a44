"""Demo data for a new installation: a facilitated cohort with participants at different stages.

Everything goes through the same services as real use (enrolment, lesson completion, quiz
attempts graded by the engine), so the demo shows what the platform really does.
"""

from __future__ import annotations

import datetime

from allauth.account.models import EmailAddress

from accounts.models import OrganisationType, User
from accounts.services import make_facilitator
from quizzes.models import QuestionType, Quiz
from quizzes.services import start_attempt, submit_attempt

from .models import Cohort, Course, ModuleDueDate
from .outline import build_outline
from .services.enrolment import enrol
from .services.progress import record_lesson_completion

DEMO_COHORT = "Regional e-learning 2026: West and Central Africa"
FACILITATOR = ("facilitator@example.org", "Awa Ndiaye", "SN", OrganisationType.NHRI)
# (email, full name, country, organisation type, modules fully done, lessons of the next one)
PARTICIPANTS = [
    ("amina@example.org", "Amina Diallo", "SN", OrganisationType.PROCUREMENT_AGENCY, 0, 0),
    ("lukasz@example.org", "Łukasz Żółć", "PL", OrganisationType.ACADEMIC, 0, 2),
    ("jose@example.org", "José Núñez", "PE", OrganisationType.MINISTRY, 1, 1),
    ("minh@example.org", "Nguyễn Thị Minh", "VN", OrganisationType.NGO, 3, 0),
    ("mohammed@example.org", "محمد عبد الله", "JO", OrganisationType.NHRI, 99, 0),
]


def verified_user(email: str, password: str, **fields) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password, **fields)
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def create_demo_cohort(course: Course, *, password: str, today: datetime.date) -> Cohort | None:
    """The demo cohort (with due dates, a facilitator and five participants), once."""
    if Cohort.objects.filter(course=course, name=DEMO_COHORT).exists():
        return None
    email, name, country, kind = FACILITATOR
    facilitator = verified_user(
        email, password, full_name=name, country=country, organisation_type=kind,
        organisation="Demo national human rights institution",
    )  # fmt: skip
    make_facilitator(facilitator)
    starts = today - datetime.timedelta(days=21)
    cohort = Cohort.objects.create(
        course=course,
        name=DEMO_COHORT,
        starts_on=starts,
        ends_on=starts + datetime.timedelta(weeks=10),
        capacity=80,
        enrolment_key="LEARNLAB-2026",
        time_zone="Africa/Dakar",
    )
    cohort.facilitators.add(facilitator)
    modules = list(course.modules.order_by("order", "id"))
    for week, module in enumerate(modules, start=1):
        ModuleDueDate.objects.create(
            cohort=cohort, module=module, due_on=starts + datetime.timedelta(weeks=2 * week)
        )
    outline = build_outline(course)
    for email, name, country, kind, modules_done, lessons_more in PARTICIPANTS:
        user = verified_user(
            email, password, full_name=name, country=country, organisation_type=kind
        )
        enrolment = enrol(user, cohort, enrolled_by=facilitator)
        for index, module in enumerate(outline.modules):
            if index > modules_done:
                break
            lessons = [item for item in module.items if item.kind == "lesson"]
            count = len(lessons) if index < modules_done else lessons_more
            for item in lessons[:count]:
                record_lesson_completion(user, course.lessons.get(pk=item.id))
            if index < modules_done:
                for item in module.items:
                    if item.kind == "quiz":
                        pass_quiz(user, Quiz.objects.get(pk=item.id))
        enrolment.refresh_from_db()
    return cohort


def pass_quiz(user: User, quiz: Quiz) -> None:
    """Take the quiz as a participant who knows every answer."""
    attempt, _created = start_attempt(user, quiz)
    questions = {q.pk: q for q in quiz.questions.prefetch_related("choices", "pairs")}
    answers = {}
    for item in attempt.layout:
        question = questions[item["question"]]
        right = [c.pk for c in question.choices.all() if c.is_correct]
        if question.type in (QuestionType.SINGLE_CHOICE, QuestionType.TRUE_FALSE):
            answers[str(question.pk)] = right[0]
        elif question.type == QuestionType.MULTIPLE_RESPONSE:
            answers[str(question.pk)] = right
        elif question.type == QuestionType.SHORT_ANSWER:
            answers[str(question.pk)] = question.accepted_answers[0]
        elif question.type == QuestionType.NUMERIC:
            answers[str(question.pk)] = str(question.numeric_answer)
        elif question.type == QuestionType.MATCHING:
            # Pairs with the same answer text share one option: match by the text.
            text_of = {pair.pk: pair.answer for pair in question.pairs.all()}
            token_for_text = {text_of[pair]: token for token, pair in item["options"]}
            answers[str(question.pk)] = {
                str(pair): token_for_text[text_of[pair]] for pair in item["prompts"]
            }
    submit_attempt(attempt, answers=answers)
