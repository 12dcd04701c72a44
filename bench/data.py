"""Bench data: a course of realistic size and a participant, written with the ORM.

Django must be set up before these functions are called (models are imported inside them).
"""

from __future__ import annotations

import random

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


def lesson_in_the_middle(course):
    """A lesson with a previous and a next one: the pager and outline are fully rendered."""
    lessons = list(course.lessons.order_by("module__order", "order"))
    return lessons[len(lessons) // 2]
