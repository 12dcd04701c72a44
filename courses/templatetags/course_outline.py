"""{% course_outline %}: the outline list of a course, rendered in Python.

The outline is on every lesson page and has one entry per lesson and quiz; the template engine
spends more on that loop than on the rest of the page (see bench/). The markup is the same a
template would give, built from the cached Outline with every value escaped.
"""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from courses.models import Course
from courses.outline import Outline
from courses.progress import CourseProgress

register = template.Library()


@register.simple_tag
def course_outline(
    outline: Outline,
    course: Course,
    current_lesson_id: int | None = None,
    heading_level: int = 2,
    progress: CourseProgress | None = None,
):
    """An <ol> of modules, each a heading and an <ol> of its lessons (links) and quizzes.

    The course's own text (titles) is marked with the course's language and direction; the
    labels around it are the interface's. With `progress`, done items are marked (in words for
    screen readers, with a tick for the eye) and each module shows its percentage.
    """
    h = f"h{int(heading_level)}"
    text = f'lang="{escape(course.language)}" dir="{course.text_direction}"'
    quiz_label = escape(gettext("Quiz: %(title)s"))
    # Strings to translate stay outside f-strings, where xgettext can find them.
    done_label = gettext("(done)")
    optional_label = gettext("(optional)")
    percent_label = gettext("%(percent)s%% done")
    done_mark = (
        f'<span class="done-mark" aria-hidden="true">✓</span>'
        f'<span class="visually-hidden">{escape(done_label)}</span>'
    )
    optional_mark = f' <span class="muted">{escape(optional_label)}</span>'
    module_percent = {m.module.id: m.percent for m in progress.modules} if progress else {}
    parts = ['<ol class="outline">']
    for module in outline.modules:
        percent = ""
        if module.id in module_percent:
            percent = (
                f' <span class="muted">'
                f"{escape(percent_label % {'percent': module_percent[module.id]})}"
                f"</span>"
            )
        parts.append(
            f'<li class="outline-module"><{h} class="outline-module-title">'
            f"<span {text}>{escape(module.title)}</span>{percent}</{h}>"
            f'<ol class="outline-items">'
        )
        for item in module.items:
            title = f"<span {text}>{escape(item.title)}</span>"
            meta = f'<span class="muted">{escape(item.meta)}</span>'
            if item.optional:
                meta += optional_mark
            done = done_mark if progress is not None and progress.is_done(item) else ""
            if item.kind == "lesson":
                current = ' aria-current="page"' if item.id == current_lesson_id else ""
                parts.append(
                    f'<li><a href="{escape(item.url)}"{current}>{title}</a> {done}{meta}</li>'
                )
            else:
                label = quiz_label.replace("%(title)s", title)
                if item.url:
                    label = f'<a href="{escape(item.url)}">{label}</a>'
                parts.append(f'<li class="outline-quiz">{label} {done}{meta}</li>')
        parts.append("</ol></li>")
    parts.append("</ol>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
