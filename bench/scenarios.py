"""Scenarios: each takes the Bench, builds its data, measures and prints its figures."""

from __future__ import annotations

from collections.abc import Callable

from bench.data import PARTICIPANT_EMAIL, build_course, lesson_in_the_middle, make_participant
from bench.harness import Bench, count_queries, print_comparison


def lesson_page(bench: Bench) -> None:
    """Lesson page of a 5x4 course against the reference; queries for a 5x larger course."""
    modules, lessons_per_module = 5, 4
    course = build_course(
        slug="bench-course", modules=modules, lessons_per_module=lessons_per_module
    )
    larger = build_course(
        slug="bench-course-5x", modules=5 * modules, lessons_per_module=lessons_per_module
    )
    participant = make_participant(PARTICIPANT_EMAIL)
    headers = bench.session_headers(participant)

    lesson = lesson_in_the_middle(course)
    page = bench.target("lesson", lesson.get_absolute_url(), headers)
    reference = bench.size_matched_reference(
        lesson_id=lesson.pk, size=page.body_size, headers=headers
    )
    queries = count_queries(page.path, participant)
    queries_larger = count_queries(lesson_in_the_middle(larger).get_absolute_url(), participant)
    reference_queries = count_queries(reference.path, participant)

    print(
        f"\nLesson page: course of {modules} modules x {lessons_per_module} lessons "
        f"(~1,500 words each), one quiz per module\n  GET {page.path}"
    )
    print(f"  {'response size':<26}{page.body_size:>9,} B   reference {reference.body_size:,} B")
    same = "equal: constant" if queries == queries_larger else "NOT EQUAL: grows with the course"
    print(
        f"  {'SQL queries per page':<26}{queries:>9}     "
        f"{queries_larger} for a course 5x larger ({same}); reference {reference_queries}"
    )
    print_comparison("lesson", bench.compare(page, reference), target_ratio=0.8)


SCENARIOS: dict[str, Callable[[Bench], None]] = {"lesson-page": lesson_page}
