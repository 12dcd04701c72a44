"""The demo cohort's three weeks, played through the services of real use: enrolment, lesson
visits and completions, quiz attempts graded by the engine, due date extensions, a message to
the participants at risk, certificates issued on completion. Only the clock is moved: a time
is passed as `now=` where a service takes one; otherwise what a service stamped "now" is set
afterwards, with a plain UPDATE, to the moment of the story.

The story runs in time order (every participant's journey on one heap), so the facilitator's
nudge goes to those at risk on the day it is sent, and some of them come back after it.
Answers and times are drawn from generators seeded with each participant's address, whatever
the hour: every installation gets the same story, dated from its first start.
"""

from __future__ import annotations

import heapq
import random
import zoneinfo
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.utils import timezone

from accounts.models import User
from certificates.models import Certificate
from certificates.services import issue_certificates, send_certificate_emails
from quizzes.models import Quiz
from quizzes.services import save_answers, start_attempt, submit_attempt

from ..exceptions import NoRecipients
from ..models import (
    Cohort,
    CohortMessage,
    DueDateExtension,
    Enrolment,
    EnrolmentStatus,
    LessonCompletion,
    LessonVisit,
    MessageAudience,
    MessageDelivery,
)
from ..outline import Outline, build_outline
from ..services.due_dates import extend_due_date
from ..services.enrolment import enrol
from ..services.messages import send_cohort_message, send_message_batch
from ..services.progress import (
    rebuild_activity_months,
    record_lesson_completion,
    record_lesson_visit,
)
from .answers import QuizAnswers
from .people import TIME_ZONES, Person, Plan

SEED = "demo-13"  # chosen among a few: each quiz's analysis flags the question meant to be
LEARNING = 1.0  # ability gained from one attempt's review to the next

NUDGE_SUBJECT = "Module 1: can we help you catch up? / Module 1 : pouvons-nous vous aider ?"
NUDGE_BODY = """\
Dear participant,

Module 1, *Why public buying matters for human rights*, was due last week, and I see that you
have not finished it yet or have not been on the course for a few days. Many of you fit this
course around demanding jobs: that is fine, and it is not too late.

- The three lessons of module 1 take about forty minutes, and you can take its quiz as often
  as you need.
- If you need more time, write to me at facilitator@example.org and I will extend your due date.

---

Chère participante, cher participant,

Le module 1 était à terminer la semaine dernière, et je vois que vous ne l'avez pas encore
fini ou que vous ne vous êtes pas connecté·e depuis quelques jours. Il n'est pas trop tard : les
trois leçons prennent une quarantaine de minutes et le quiz peut être repris autant de fois que
nécessaire. Si vous avez besoin de plus de temps, écrivez-moi à facilitator@example.org.

Awa Ndiaye
"""


def tell(
    cohort: Cohort,
    *,
    facilitator: User,
    participants: list[tuple[Person, User, bool]],
    now: datetime,
) -> None:
    """Play the cohort's story up to `now`: each (person, user, new) enrolled, and if new, taken
    through their plan; the facilitator's nudge to those at risk yesterday morning."""
    story = _Story(cohort, facilitator, now=now)
    journeys = [story.nudge()]
    for index, (person, user, new) in enumerate(participants):
        journeys.append(story.journey(person, user, index=index, new=new))
    _run(journeys)
    # Lessons were completed through the service, then given the story's dates.
    rebuild_activity_months(user_ids=[user.pk for _person, user, _new in participants])


def _run(journeys: list[Iterator[datetime]]) -> None:
    """Run the journeys' steps in time order. A journey yields the time of its next step
    before taking it; it takes it when resumed."""
    queue: list[tuple[datetime, int, Iterator[datetime]]] = []
    for index, journey in enumerate(journeys):
        at = next(journey, None)
        if at is not None:
            queue.append((at, index, journey))
    heapq.heapify(queue)
    while queue:
        _at, index, journey = heapq.heappop(queue)
        at = next(journey, None)
        if at is not None:
            heapq.heappush(queue, (at, index, journey))


class _Story:
    """The cohort's three weeks: what every journey shares, and the steps they take."""

    def __init__(self, cohort: Cohort, facilitator: User, *, now: datetime):
        self.cohort = cohort
        self.facilitator = facilitator
        self.now = now
        self.zone = zoneinfo.ZoneInfo(cohort.time_zone)
        self.starts: date = cohort.starts_on
        self.outline: Outline = build_outline(cohort.course)
        self.lessons = {lesson.pk: lesson for lesson in cohort.course.lessons.all()}
        self.quizzes = {quiz.pk: quiz for quiz in Quiz.objects.filter(course=cohort.course)}
        self.answers = QuizAnswers(self.outline, self.quizzes.values())
        self.first_module = cohort.course.modules.order_by("order", "id").first()
        # The facilitator uploaded the first list ten days before the start, in the morning.
        self.uploaded_at = self.local(-10, 10, 0, self.zone)
        # The nudge went yesterday morning (the day before if that is less than 20 hours ago).
        yesterday = timezone.localdate(now, timezone=self.zone) - timedelta(days=1)
        nudge_at = self.local((yesterday - self.starts).days, 9, 30, self.zone)
        if nudge_at > now - timedelta(hours=20):
            nudge_at -= timedelta(days=1)
        self.nudge_at = nudge_at

    # Time

    def local(self, day: int, hour: int, minute: int, zone: zoneinfo.ZoneInfo) -> datetime:
        """Day `day` of the cohort at that hour where the participant lives."""
        hour = min(max(hour, 6), 22)
        return datetime.combine(self.starts + timedelta(days=day), time(hour, minute), zone)

    def clamp(self, at: datetime) -> datetime:
        """No step in the future: a session planned for later today happened a minute ago."""
        return min(at, self.now - timedelta(minutes=1))

    # Journeys

    def journey(self, person: Person, user: User, *, index: int, new: bool) -> Iterator[datetime]:
        """A participant's enrolment and, if they are new, everything they did since."""
        plan = person.plan
        rng = random.Random(f"{SEED}:{person.email}")
        zone = zoneinfo.ZoneInfo(TIME_ZONES[person.country])
        hour = rng.choice((8, 9, 10, 11, 13, 14, 16, 18, 20, 21))
        if plan.enrolled is None:  # one by one from the facilitator's upload
            at = self.uploaded_at + timedelta(seconds=index)
        else:
            at = self.clamp(self.local(plan.enrolled, hour, rng.randrange(60), zone))
        yield at
        if plan.enrolled is None:
            enrolment = enrol(user, self.cohort, enrolled_by=self.facilitator)
        else:
            enrolment = enrol(user, self.cohort, key=self.cohort.enrolment_key)
        Enrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=at)
        enrolment.enrolled_at = at
        if plan.extension:
            at = self.clamp(at + timedelta(hours=rng.randint(2, 5)))
            yield at
            today = timezone.localdate(self.now, timezone=self.zone)
            extend_due_date(
                enrolment, self.first_module, due_on=today + timedelta(days=7), by=self.facilitator
            )
            DueDateExtension.objects.filter(enrolment=enrolment).update(granted_at=at)
        if not new:  # someone already on the platform: their progress is their own
            return
        ability = rng.gauss(0.7 + 0.1 * min(plan.modules, 5), 0.8)
        for start, steps in self.sessions(plan, rng, zone, hour):
            at = max(at + timedelta(minutes=30), start)
            for step in steps:
                at = self.clamp(at)
                yield at
                at = self.take(step, enrolment, at, ability=ability, rng=rng)
        if plan.modules >= len(self.outline.modules):
            at = self.clamp(at + timedelta(minutes=1))
            yield at
            self.certify(enrolment, at)

    def sessions(
        self, plan: Plan, rng: random.Random, zone: zoneinfo.ZoneInfo, hour: int
    ) -> list[tuple[datetime, list[tuple]]]:
        """The plan's steps in sessions of a few, on days spread from its first to its last;
        the steps after the nudge come that afternoon and today."""
        steps = self.steps(plan)
        split = len(steps) - plan.returns
        chunks = _chunks(steps[:split], rng)
        sessions = []
        for day, chunk in zip(_spread(plan.first, plan.last, len(chunks)), chunks, strict=True):
            start = self.local(day, hour + rng.randint(-1, 1), rng.randrange(60), zone)
            # Nothing planned for later today: that session was a couple of hours ago (drawn
            # whatever the hour, so that every first start tells the same story).
            start = min(start, self.now - timedelta(minutes=rng.randint(120, 240)))
            sessions.append((start, chunk))
        after = steps[split:]
        if after:
            half = (len(after) + 1) // 2
            sessions.append((self.nudge_at + timedelta(hours=rng.randint(3, 8)), after[:half]))
            if after[half:]:
                sessions.append((self.now - timedelta(hours=rng.randint(2, 5)), after[half:]))
        return sessions

    def steps(self, plan: Plan) -> list[tuple]:
        """What the plan's participant did, in the course's order."""
        steps: list[tuple] = []
        for index, module in enumerate(self.outline.modules):
            lessons = [item.id for item in module.items if item.kind == "lesson"]
            quizzes = [item.id for item in module.items if item.kind == "quiz"]
            if index < plan.modules:
                steps += [("lesson", lesson) for lesson in lessons]
                steps += [("pass", quiz, lessons) for quiz in quizzes]
                continue
            steps += [("lesson", lesson) for lesson in lessons[: plan.lessons]]
            if plan.opened and plan.lessons < len(lessons):
                steps.append(("open", lessons[plan.lessons]))
            if quizzes and plan.failed:
                steps.append(("fail", quizzes[0], lessons, plan.failed))
            if quizzes and plan.in_quiz:
                steps.append(("begin", quizzes[0]))
            break
        return steps

    def nudge(self) -> Iterator[datetime]:
        """The facilitator writes to the participants at risk; the worker's sender delivers."""
        yield self.nudge_at
        try:
            message, _created = send_cohort_message(
                self.cohort,
                by=self.facilitator,
                audience=MessageAudience.AT_RISK,
                subject=NUDGE_SUBJECT,
                body=NUDGE_BODY,
                request_key=f"demo-nudge-{self.cohort.pk}",
            )
        except NoRecipients:  # only people already on the platform, none of them behind
            return
        send_message_batch(message.pk, limit=message.deliveries.count())
        sent = self.nudge_at + timedelta(minutes=1)
        CohortMessage.objects.filter(pk=message.pk).update(
            created_at=self.nudge_at, last_batch_at=sent
        )
        MessageDelivery.objects.filter(message=message).update(sent_at=sent)

    # Steps

    def take(
        self, step: tuple, enrolment: Enrolment, at: datetime, *, ability: float, rng
    ) -> datetime:
        """Take one step at `at`; returns when it was over."""
        kind, target = step[0], step[1]
        if kind == "lesson":
            self.visit(enrolment, target, at)
            minutes = self.lessons[target].estimated_minutes
            at += timedelta(minutes=max(2, round(minutes * rng.uniform(0.7, 1.6))))
            self.complete(enrolment, target, at)
            return at + timedelta(minutes=rng.randint(1, 4))
        if kind == "open":
            self.visit(enrolment, target, at)
            self.touch(enrolment, at)
            return at + timedelta(minutes=rng.randint(3, 9))
        quiz = self.quizzes[target]
        if kind == "begin":
            attempt, _created = start_attempt(enrolment.user, quiz, now=at, rng=rng)
            answers = self.answers.draw(quiz, attempt.layout, ability, rng)
            half = dict(list(answers.items())[: len(answers) // 2])
            save_answers(attempt, answers=half, now=at + timedelta(minutes=4))
            self.touch(enrolment, at + timedelta(minutes=4))
            return at + timedelta(minutes=5)
        # "pass": on the first attempt, or on the second after a look at the lessons.
        outcomes = [False] * step[3] if kind == "fail" else [None, True]
        for number, want in enumerate(outcomes, start=1):
            attempt, _created = start_attempt(enrolment.user, quiz, now=at, rng=rng)
            learnt = ability + LEARNING * (number - 1)
            answers = self.answers.draw(quiz, attempt.layout, learnt, rng, want)
            limit = (quiz.time_limit_minutes or 30) - 2
            at += timedelta(minutes=min(limit, rng.randint(5, 16)))
            attempt = submit_attempt(enrolment.user, attempt.pk, answers=answers, now=at).attempt
            self.touch(enrolment, at)
            if attempt.passed:
                break
            # Reads the feedback, goes back to a lesson of the module, tries again later on.
            at += timedelta(minutes=rng.randint(2, 6))
            lessons = [lesson for lesson in step[2] if lesson != enrolment.last_lesson_id]
            self.visit(enrolment, rng.choice(lessons), at)
            self.touch(enrolment, at)
            at += timedelta(minutes=rng.randint(10, 40))
        return at + timedelta(minutes=rng.randint(1, 5))

    def visit(self, enrolment: Enrolment, lesson_id: int, at: datetime) -> None:
        """Open the lesson at `at` (the enrolment's last activity is the caller's to set)."""
        at = self.clamp(at)
        record_lesson_visit(enrolment, self.lessons[lesson_id])
        LessonVisit.objects.filter(user_id=enrolment.user_id, lesson_id=lesson_id).update(
            last_visited_at=at, first_visited_at=_at_if(at, "first_visited_at", visits=1)
        )

    def complete(self, enrolment: Enrolment, lesson_id: int, at: datetime) -> None:
        at = self.clamp(at)
        outcome = record_lesson_completion(enrolment.user, self.lessons[lesson_id])
        LessonCompletion.objects.filter(pk=outcome.completion.pk).update(completed_at=at)
        self.touch(enrolment, at)

    def touch(self, enrolment: Enrolment, at: datetime) -> None:
        """The enrolment's last activity at `at`, and its completion if a service just set it."""
        at = self.clamp(at)
        Enrolment.objects.filter(pk=enrolment.pk).update(
            last_activity_at=at, completed_at=_at_if(at, "completed_at", completed_at__gt=at)
        )
        enrolment.last_activity_at = at

    def certify(self, enrolment: Enrolment, at: datetime) -> None:
        """The certificate of a completion, issued and emailed by what the worker runs."""
        enrolment.refresh_from_db(fields=["status"])
        if enrolment.status != EnrolmentStatus.COMPLETED:
            return
        issued = issue_certificates([enrolment.pk]).issued
        if not issued:  # the cohort holds its certificates until it closes
            return
        (certificate,) = issued
        send_certificate_emails([certificate.pk])
        Certificate.objects.filter(pk=certificate.pk).update(
            created_at=at, issued_at=at, emailed_at=self.clamp(at + timedelta(minutes=1))
        )


def _at_if(at: datetime, field: str, **condition) -> Case:
    """For an UPDATE: `field` set to `at` in the rows where the condition holds, else kept."""
    return Case(
        When(Q(**condition), then=Value(at, output_field=DateTimeField())), default=F(field)
    )


def _chunks(steps: list[tuple], rng: random.Random) -> list[list[tuple]]:
    """Steps in sessions of two to four; a quiz ends a session."""
    chunks, current, size = [], [], rng.randint(2, 4)
    for step in steps:
        current.append(step)
        if len(current) >= size or step[0] != "lesson":
            chunks.append(current)
            current, size = [], rng.randint(2, 4)
    if current:
        chunks.append(current)
    return chunks


def _spread(first: int, last: int, count: int) -> list[int]:
    """`count` days from `first` to `last`, evenly."""
    if count <= 1:
        return [last] * count
    return [first + round(i * (last - first) / (count - 1)) for i in range(count)]
