"""Bench data: a course of realistic size and a participant, written with the ORM.

Django must be set up before these functions are called (models are imported inside them).
"""

from __future__ import annotations

import random

from bench import BenchError

PARTICIPANT_EMAIL = "participant@bench.example"

# Function words come first, repeated, so that word lengths are close to real English.
_WORDS = """
the the the of of and and to to a a in in for is that with on by as are be this it from
procurement public buyer supplier contract tender award criteria human rights due diligence
risk labour standards worker recruitment fees forced child migrant wages hours safety audit
remedy grievance mechanism monitoring subcontractor supply chain factory garment electronics
uniform laptop market engagement specification clause performance evidence transparency
disclosure modern slavery reporting convention principle guidance policy framework legislation
directive obligation stakeholder trade union civil society institution ombudsman investigation
corrective action plan evaluation selection exclusion ground certification label verification
collaboration leverage responsibility accountability prevention mitigation severity likelihood
"""
_VOCABULARY = _WORDS.split()


def _sentence(rng: random.Random) -> str:
    words = rng.choices(_VOCABULARY, k=rng.randint(9, 20))
    if rng.random() < 0.2:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    if rng.random() < 0.15:
        i = rng.randrange(len(words))
        words[i] = f"[{words[i]}](https://example.org/guide/{words[i].strip('*')})"
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))


def lesson_markdown(seed: int, *, words: int = 1500) -> str:
    """About `words` words of lesson Markdown: sections, paragraphs, lists, quotes and tables."""
    rng = random.Random(seed)
    blocks: list[str] = []
    count = 0
    while count < words:
        extras = [
            "\n".join(f"- {_sentence(rng)}" for _ in range(rng.randint(3, 6))),
            "\n".join(f"{n}. {_sentence(rng)}" for n in range(1, rng.randint(3, 6))),
            f"> {_paragraph(rng)}",
            "| Risk | Evidence | Clause |\n|---|---|---|\n"
            + "\n".join(
                "| " + " | ".join(" ".join(rng.choices(_VOCABULARY, k=3)) for _ in range(3)) + " |"
                for _ in range(4)
            ),
        ]
        section = [f"## {' '.join(rng.choices(_VOCABULARY, k=4)).capitalize()}"]
        section += [_paragraph(rng), _paragraph(rng), rng.choice(extras), _paragraph(rng)]
        blocks += section
        count += sum(len(block.split()) for block in section)
    return "\n\n".join(blocks) + "\n"


def build_course(*, slug: str, modules: int, lessons_per_module: int, questions: int = 5):
    """A published course: modules of lessons (~1,500 words each), then one quiz per module."""
    from courses.models import Course, Lesson, Module
    from quizzes.models import Choice, Question, QuestionType, Quiz

    course = Course.objects.create(
        title=f"Responsible public procurement ({slug})",
        slug=slug,
        summary="A course of realistic size for the benchmark.",
        estimated_hours=modules * lessons_per_module * 12 / 60,
        published=True,
    )
    for m in range(1, modules + 1):
        module = Module.objects.create(
            course=course, slug=f"module-{m}", title=f"Module {m}: buying with due diligence",
            order=m,
        )  # fmt: skip
        for i in range(1, lessons_per_module + 1):
            Lesson.objects.create(
                module=module, slug=f"lesson-{m}-{i}",
                title=f"Lesson {m}.{i}: identifying and managing risks in supply chains",
                body=lesson_markdown(seed=m * 1000 + i), estimated_minutes=12, order=i,
            )  # fmt: skip
        quiz = Quiz.objects.create(
            module=module, slug=f"quiz-{m}", title=f"Check your understanding of module {m}"
        )
        for q in range(1, questions + 1):
            question = Question.objects.create(
                quiz=quiz, key=f"q{q}", type=QuestionType.SINGLE_CHOICE,
                prompt=f"Which step comes first in risk-based due diligence ({q})?", order=q,
            )  # fmt: skip
            for c, key in enumerate("abcd"):
                Choice.objects.create(
                    question=question, key=key, text=f"Answer {key}", is_correct=c == 0, order=c
                )
    return course


def make_participant(email: str):
    from allauth.account.models import EmailAddress

    from accounts.models import User

    user = User.objects.create_user(
        email, None, full_name="José Núñez", country="PE", organisation_type="procurement_agency"
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def enrol_with_progress(user, course, *, lessons_done: int) -> None:
    """Enrol the user in the course's default cohort, with its first lessons complete."""
    from courses.services.enrolment import enrol, ensure_default_cohort
    from courses.services.progress import record_lesson_completion

    enrol(user, ensure_default_cohort(course), by_system=True)
    for lesson in course.lessons.order_by("module__order", "order")[:lessons_done]:
        record_lesson_completion(user, lesson)


def lesson_in_the_middle(course):
    """A lesson with a previous and a next one: the pager and outline are fully rendered."""
    lessons = list(course.lessons.order_by("module__order", "order"))
    return lessons[len(lessons) // 2]


# The question types of a quiz, in order, repeated for longer quizzes: every type, and the
# choice types more often, as in the demo course.
QUESTION_MIX = [
    "single_choice", "multiple_response", "true_false", "short_answer", "numeric", "matching",
    "single_choice", "multiple_response", "true_false", "matching",
]  # fmt: skip
_CONVENTIONS = [
    ("ILO C29", "Forced labour"),
    ("ILO C138", "Child labour"),
    ("ILO C155", "Safety and health"),
    ("ILO C87", "Freedom of association"),
]
_FEEDBACK = (
    "See **lesson {n}**: a buyer asks for [evidence](https://example.org/guide/evidence) of "
    "due diligence before the award, and checks it again during the contract."
)


def add_mixed_quiz(module, *, slug: str, questions: int):
    """A quiz of `questions` questions of every type (QUESTION_MIX), unlimited attempts, with
    feedback on every question (the review after each attempt shows it)."""
    from quizzes.models import Choice, MatchPair, Question, Quiz

    quiz = Quiz.objects.create(
        module=module, slug=slug, title=f"Mixed check ({questions} questions)", pass_mark=70,
        max_attempts=None, order=0,
    )  # fmt: skip
    for n in range(1, questions + 1):
        kind = QUESTION_MIX[(n - 1) % len(QUESTION_MIX)]
        question = Question.objects.create(
            quiz=quiz, key=f"q{n}", type=kind, order=n, points=2 if kind == "matching" else 1,
            prompt=f"Question {n}: which of these belongs in a **risk-based** tender ({kind})?",
            feedback_correct="Right. " + _FEEDBACK.format(n=n),
            feedback_incorrect="Not quite. " + _FEEDBACK.format(n=n),
            partial_credit=kind == "multiple_response",
            accepted_answers=["joint procurement", "joint purchasing"]
            if kind == "short_answer" else [],
            numeric_answer="3.5" if kind == "numeric" else None,
            tolerance="0.1" if kind == "numeric" else 0,
        )  # fmt: skip
        if kind == "true_false":
            for order, key in enumerate(("true", "false")):
                Choice.objects.create(
                    question=question, key=key, text=key.title(), is_correct=key == "true",
                    order=order,
                )  # fmt: skip
        elif kind in ("single_choice", "multiple_response"):
            right = 1 if kind == "single_choice" else 2
            for c, key in enumerate("abcde"):
                Choice.objects.create(
                    question=question, key=key, order=c, is_correct=c < right,
                    text=f"Option {key}: a clause on {_VOCABULARY[40 + c * 7]} and remedy",
                    feedback="Yes: this is in the model clauses." if c < right else "",
                )  # fmt: skip
        elif kind == "matching":
            for p, (prompt, answer) in enumerate(_CONVENTIONS):
                MatchPair.objects.create(
                    question=question, key=f"p{p}", prompt=prompt, answer=answer, order=p
                )
    return quiz


def build_quiz_course(*, slug: str, questions: int):
    """A course of two modules (two lessons and a 5-question quiz each) whose first module also
    holds a mixed quiz of `questions` questions (add_mixed_quiz). Returns the mixed quiz."""
    course = build_course(slug=slug, modules=2, lessons_per_module=2)
    return add_mixed_quiz(course.modules.get(order=1), slug="mixed", questions=questions)


def bulk_participants(course, *, first: int, count: int, prefix: str, name: str, country: str):
    """`count` participants numbered from `first` (emails `prefix-n@<course>.bench.example`,
    names `name n`), written in one INSERT, with no usable password."""
    from accounts.models import User

    users = []
    for n in range(first, first + count):
        user = User(
            email=f"{prefix}-{n}@{course.slug}.bench.example", full_name=f"{name} {n}",
            country=country, organisation_type="procurement_agency",
        )  # fmt: skip
        user.set_unusable_password()
        users.append(user)
    return User.objects.bulk_create(users)


def enrol_participants(course, *, first: int, count: int) -> list[tuple[object, str]]:
    """`count` more participants, each with an API token, enrolled in the course (enrol) and
    with every lesson complete: a pass then runs the whole completion check without completing
    the course (its other quizzes are not passed). Returns [(user, token key)]."""
    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from accounts.services import issue_api_token
    from courses.models import LessonCompletion
    from courses.services.enrolment import enrol, ensure_default_cohort

    users = bulk_participants(
        course, first=first, count=count, prefix="learner", name="Learner", country="SN"
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
    )
    keys = [issue_api_token(u).key for u in users]
    cohort = ensure_default_cohort(course)
    for user in users:
        enrol(user, cohort, by_system=True)
    now = timezone.now()
    LessonCompletion.objects.bulk_create(
        LessonCompletion(user=u, lesson=lesson, completed_at=now)
        for u in users
        for lesson in course.lessons.all()
    )
    return list(zip(users, keys, strict=True))


class QuizTaker:
    """Starts attempts at a quiz and saves right answers, as a participant who knows them."""

    def __init__(self, quiz):
        self.quiz = quiz
        self.questions = {q.pk: q for q in quiz.questions.prefetch_related("choices", "pairs")}

    def answers(self, layout) -> dict[str, object]:
        """Right answers for an attempt's layout, in the API's format, written as people do
        (a decimal comma, other capitals and spaces in a short answer)."""
        answers: dict[str, object] = {}
        for item in layout:
            question = self.questions[item["question"]]
            shown = {choice: opaque for opaque, choice in item["choices"]}  # ids in the attempt
            right = [shown[c.pk] for c in question.choices.all() if c.is_correct]
            if question.type in ("single_choice", "true_false"):
                answer = right[0]
            elif question.type == "multiple_response":
                answer = right
            elif question.type == "short_answer":
                answer = "  Joint  Procurement "
            elif question.type == "numeric":
                answer = "3,5"
            else:  # matching: options show answer texts, so match by the text
                text_of = {pair.pk: pair.answer for pair in question.pairs.all()}
                token_for_text = {text_of[pair]: token for token, pair in item["options"]}
                answer = {str(pair): token_for_text[text_of[pair]] for pair in item["prompts"]}
            answers[str(question.pk)] = answer
        return answers

    def prepare(self, user):
        """A new attempt, in progress, with every answer saved (start_attempt, save_answers)."""
        from quizzes.services import save_answers, start_attempt

        attempt, created = start_attempt(user, self.quiz)
        if not created:
            raise BenchError(f"{user} already had an attempt in progress")
        return save_answers(attempt, answers=self.answers(attempt.layout))
