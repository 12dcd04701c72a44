from __future__ import annotations

from django.db.models import Prefetch

from courses.models import Course, Module
from quizzes.models import Quiz


def list_deep_linking_choices():
    """Published courses with their modules and quizzes, for the deep linking picker (three
    queries whatever their number)."""
    return (
        Course.objects.filter(published=True)
        .order_by("title")
        .prefetch_related(
            Prefetch("modules", queryset=Module.objects.order_by("order", "id")),
            Prefetch("quizzes", queryset=Quiz.objects.order_by("module__order", "order", "id")),
        )
    )
