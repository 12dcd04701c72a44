"""{% course_outline %}: the outline list of a course, rendered in Python.

The outline is on every lesson page and has one entry per lesson and quiz; the template engine
spends more on that loop than on the rest of the page. The markup is the one the template
`courses/_outline.html` gives (the plain path: tests/courses/test_lesson_page_paths.py compares
the two on a varied course), built from the cached Outline with every value escaped, in pieces
kept per outline so that a request only joins them with its own done marks and percentages.
Why it stays: with the template instead (the lesson still read by the hand-written query),
`bench/run.py lesson-page` measured the lesson page at 0.59-0.88 of the reference view, 0.65 the
median of 4 runs in which the page as it is gave 0.87-1.16 (target >= 0.8; more figures in
courses/selectors/lesson_page.py).

`course_text` marks a value as the course's own text (its language and direction), for the
template's quiz labels.
"""

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from courses.models import Course
from courses.outline import Outline
from courses.progress import CourseProgress

register = template.Library()


# Pre-rendered outlines: the markup of each outline as fixed pieces, built once per outline,
# heading level and language; a request only adds what is its own (done marks, percentages,
# the current lesson). Keyed by the outline object's id, which cannot be reused while the entry
# holds the object itself; bounded like the outlines' own process cache.
_PIECES: dict[tuple, tuple[Outline, list]] = {}
_PIECES_MAX = 512


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
    pieces = _pieces(outline, course, int(heading_level))
    # Strings to translate stay outside f-strings, where xgettext can find them.
    done_label = gettext("(done)")
    percent_label = gettext("%(percent)s%% done")
    done_mark = (
        f'<span class="done-mark" aria-hidden="true">✓</span>'
        f'<span class="visually-hidden">{escape(done_label)}</span>'
    )
    module_percent = {m.module.id: m.percent for m in progress.modules} if progress else {}
    parts = ['<ol class="outline">']
    for module, start, end, items in pieces:
        parts.append(start)
        if module.id in module_percent:
            percent = escape(percent_label % {"percent": module_percent[module.id]})
            parts.append(f' <span class="muted">{percent}</span>')
        parts.append(end)
        for item, before, middle, after in items:
            parts.append(before)
            if item.kind == "lesson" and item.id == current_lesson_id:
                parts.append(' aria-current="page"')
            parts.append(middle)
            if progress is not None and progress.is_done(item):
                parts.append(done_mark)
            parts.append(after)
        parts.append("</ol></li>")
    parts.append("</ol>")
    return mark_safe("".join(parts))  # noqa: S308 - every value in the pieces is escaped


@register.filter
def course_text(value, course: Course):
    """`value` marked as the course's own text: its language and direction."""
    return format_html(
        '<span lang="{}" dir="{}">{}</span>', course.language, course.text_direction, value
    )


def _pieces(outline: Outline, course: Course, heading_level: int) -> list:
    """[(module, start, end, [(item, before, middle, after), ...]), ...]: the outline's markup
    around what varies by request (a module's percentage between start and end; an item's
    aria-current between before and middle, its done mark between middle and after)."""
    key = (id(outline), heading_level, get_language(), course.language, course.text_direction)
    entry = _PIECES.get(key)
    if entry is not None and entry[0] is outline:
        return entry[1]
    h = f"h{heading_level}"
    text = f'lang="{escape(course.language)}" dir="{course.text_direction}"'
    quiz_label = escape(gettext("Quiz: %(title)s"))
    optional_label = gettext("(optional)")
    optional_mark = f' <span class="muted">{escape(optional_label)}</span>'
    pieces = []
    for module in outline.modules:
        start = (
            f'<li class="outline-module"><{h} class="outline-module-title">'
            f"<span {text}>{escape(module.title)}</span>"
        )
        end = f'</{h}><ol class="outline-items">'
        items = []
        for item in module.items:
            title = f"<span {text}>{escape(item.title)}</span>"
            meta = f'<span class="muted">{escape(item.meta)}</span>'
            if item.optional:
                meta += optional_mark
            if item.kind == "lesson":
                before, middle = f'<li><a href="{escape(item.url)}"', f">{title}</a> "
            else:
                label = quiz_label.replace("%(title)s", title)
                if item.url:
                    label = f'<a href="{escape(item.url)}">{label}</a>'
                before, middle = f'<li class="outline-quiz">{label} ', ""
            items.append((item, before, middle, f"{meta}</li>"))
        pieces.append((module, start, end, items))
    if len(_PIECES) >= _PIECES_MAX:
        _PIECES.clear()
    _PIECES[key] = (outline, pieces)
    return pieces
