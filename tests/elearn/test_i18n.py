"""The platform's own strings are translated into French, Spanish and Arabic, and shipped compiled.

The .po files are read with polib (a dev dependency). The .mo files are committed, because a
newcomer's machine may not have gettext; these tests catch a .mo left behind by its .po.
"""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains

from courses.services.bulk import apply_enrolment_upload, preview_enrolment_upload
from tests.factories import enrol_user, make_cohort, make_course

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
PO_FILES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TRANSLATED_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]


def _catalogue(path):
    """{(context, msgid, msgid_plural): translation} of a .po or .mo file, fuzzy entries left
    out."""
    entries = polib.pofile(str(path)) if path.suffix == ".po" else polib.mofile(str(path))
    return {
        (entry.msgctxt, entry.msgid, entry.msgid_plural): (
            tuple(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else entry.msgstr
        )
        for entry in entries
        if not entry.obsolete and "fuzzy" not in entry.flags and entry.msgid
    }


def _id(path):
    return path.parent.parent.name


def test_every_language_but_english_has_a_catalogue():
    assert sorted(_id(path) for path in PO_FILES) == sorted(TRANSLATED_LANGUAGES)


@pytest.mark.parametrize("po_path", PO_FILES, ids=_id)
def test_po_file_has_no_untranslated_or_fuzzy_entries(po_path):
    po = polib.pofile(str(po_path))
    assert not po.metadata_is_fuzzy, "the header is still marked fuzzy"
    assert po.metadata["Language"] == _id(po_path)
    assert "charset=UTF-8" in po.metadata["Content-Type"]
    assert [entry.msgid for entry in po.untranslated_entries()] == []
    assert [entry.msgid for entry in po.fuzzy_entries()] == []
    assert po.percent_translated() == 100


@pytest.mark.parametrize("po_path", PO_FILES, ids=_id)
def test_po_file_fills_every_plural_form_and_keeps_placeholders(po_path):
    po = polib.pofile(str(po_path))
    nplurals = int(re.search(r"nplurals=(\d+)", po.metadata["Plural-Forms"]).group(1))
    for entry in po.translated_entries():
        allowed = set(PLACEHOLDER.findall(entry.msgid + entry.msgid_plural))
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == list(range(nplurals)), entry.msgid
            for form in entry.msgstr_plural.values():
                assert form, entry.msgid
                # A form may drop %(counter)s when its words say the number (Arabic "درسان").
                assert set(PLACEHOLDER.findall(form)) <= allowed, entry.msgid
        else:
            assert set(PLACEHOLDER.findall(entry.msgstr)) == allowed, entry.msgid


@pytest.mark.parametrize("po_path", PO_FILES, ids=_id)
def test_mo_file_is_compiled_from_the_current_po_file(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.is_file(), f"{mo_path} is missing: run compilemessages"
    assert _catalogue(mo_path) == _catalogue(po_path), f"{mo_path} is stale: run compilemessages"


@pytest.mark.parametrize("po_path", PO_FILES, ids=_id)
def test_django_serves_every_translation_of_the_catalogue(po_path):
    po = polib.pofile(str(po_path))
    with translation.override(_id(po_path)):
        for entry in po.translated_entries():
            if entry.msgid_plural:
                continue
            if entry.msgctxt:  # one word, two meanings: told apart by their context
                assert translation.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
            else:
                assert translation.gettext(entry.msgid) == entry.msgstr


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, "0 درس"),
        (1, "درس واحد"),
        (2, "درسان"),
        (3, "3 دروس"),
        (10, "10 دروس"),
        (11, "11 درسًا"),
        (99, "99 درسًا"),
        (100, "100 درس"),
        (103, "103 دروس"),
    ],
)
def test_arabic_uses_all_six_plural_forms(count, expected):
    with translation.override("ar"):
        text = translation.ngettext("%(counter)s lesson", "%(counter)s lessons", count)
    assert text % {"counter": count} == expected


HOME_PAGES = [
    pytest.param(
        "fr",
        "ltr",
        "Apprendre à acheter dans le respect des droits de l'homme",
        "Cours",
        "Se connecter",
        ["2 modules", "6 leçons"],
        id="fr",
    ),
    pytest.param(
        "es",
        "ltr",
        "Aprenda a comprar respetando los derechos humanos",
        "Cursos",
        "Iniciar sesión",
        ["2 módulos", "6 lecciones"],
        id="es",
    ),
    pytest.param(
        "ar",
        "rtl",
        "تعلّم الشراء مع احترام حقوق الإنسان",
        "الدورات",
        "تسجيل الدخول",
        ["وحدتان", "6 دروس"],
        id="ar",
    ),
]


@pytest.mark.parametrize(("lang", "direction", "h1", "courses", "sign_in", "facts"), HOME_PAGES)
def test_home_page_is_shown_in_the_language_of_the_cookie(
    client, course, lang, direction, h1, courses, sign_in, facts
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang

    response = client.get(reverse("home"))

    assertContains(response, f'<html lang="{lang}" dir="{direction}">')
    assertContains(response, f"<h1>{h1}</h1>", html=True)
    assertContains(
        response, f'<a href="{reverse("home")}" aria-current="page">{courses}</a>', html=True
    )
    assertContains(response, f'<a href="{reverse("account_login")}">{sign_in}</a>', html=True)
    for fact in facts:
        assertContains(response, f"<li>{fact}</li>", html=True)
    assertNotContains(response, "Learn to buy with respect for human rights")
    assertNotContains(response, ">Sign in<")


def test_lesson_page_in_arabic_translates_its_outline_and_pager(client, db):
    course = make_course(modules=1, lessons_per_module=3, quizzes_per_module=1)
    lesson = course.modules.get().lessons.get(order=1)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"

    response = client.get(reverse("lesson-detail", args=[course.slug, lesson.slug]))

    assertContains(response, 'dir="rtl"')
    assertContains(response, "الدرس 2 من 3")
    assertContains(response, '<span class="muted">10 دقائق</span>', html=True)
    assertContains(response, '<span class="muted">سؤالان</span>', html=True)
    assertContains(response, '<span class="muted">السابق</span>', html=True)
    assertContains(response, '<span class="muted">التالي</span>', html=True)
    assertContains(response, '<summary id="outline-heading">مخطط الدورة</summary>', html=True)


def test_sign_in_page_in_arabic_is_translated_with_the_site_layout(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"

    response = client.get(reverse("account_login"))

    assertContains(response, '<html lang="ar" dir="rtl">')
    # allauth's own strings, from allauth's Arabic catalogue.
    assertContains(response, "<h1>تسجيل الدخول</h1>", html=True)
    # The site's layout around them, from ours.
    for text in [
        "الانتقال إلى المحتوى الرئيسي",
        "المشتريات العامة وحقوق الإنسان",
        "الدورات",
        "إنشاء حساب",
        "اللغة",
        "منصة تعلّم مفتوحة لمسؤولي المشتريات العامة ومؤسسات حقوق الإنسان والمجتمع المدني.",
    ]:
        assertContains(response, text)
    for english in ["Skip to main content", "Procurement &amp; human rights", ">Sign up<"]:
        assertNotContains(response, english)


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "تبقّت محاولة واحدة."),
        (2, "تبقّت محاولتان."),
        (3, "تبقّت 3 محاولات."),
        (11, "تبقّت 11 محاولة."),
    ],
)
def test_arabic_counts_attempts_left_in_each_plural_form(count, expected):
    with translation.override("ar"):
        text = translation.ngettext(
            "%(counter)s attempt left.", "%(counter)s attempts left.", count
        )
    assert text % {"counter": count} == expected


@pytest.mark.parametrize(
    ("lang", "self_paced", "enrol", "place_left"),
    [
        ("fr", "À votre rythme", "S'inscrire au cours", "1 place restante"),
        ("es", "A su propio ritmo", "Inscribirse", "Queda 1 plaza"),
        ("ar", "التعلّم الذاتي", "التسجيل في الدورة", "بقي مقعد واحد"),
    ],
)
def test_course_page_offers_the_cohorts_in_the_language_of_the_cookie(
    client_for, participant, course, lang, self_paced, enrol, place_left
):
    make_cohort(course, name="Nairobi 2026", capacity=1)
    client = client_for(participant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang

    response = client.get(course.get_absolute_url())

    assertContains(response, f'<h3 class="card-title">{self_paced}</h3>', html=True)
    assertContains(response, f'<button type="submit" class="button">{enrol}</button>', html=True)
    assertContains(response, place_left)
    assertNotContains(response, "Self-paced")
    assertNotContains(response, "place left")


def test_lesson_page_in_french_offers_to_mark_the_lesson_complete(client_for, participant, course):
    enrol_user(participant, course)
    lesson = course.modules.order_by("order").first().lessons.get(order=0)
    client = client_for(participant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    response = client.get(reverse("lesson-detail", args=[course.slug, lesson.slug]))

    assertContains(
        response, '<button type="submit" class="button">Marquer comme terminée</button>', html=True
    )
    assertContains(response, f'href="{reverse("my-learning")}"')
    assertContains(response, ">Mes cours</a>")


def test_invitation_to_a_french_course_is_written_in_french(
    facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    """The email goes out in the course's language, with French spacing (no-break spaces)."""
    course = make_course(title="Achats publics et droits humains", language="fr")
    cohort = make_cohort(course, name="Dakar 2026")
    cohort.facilitators.add(facilitator)
    upload = preview_enrolment_upload(cohort, "awa@example.org\n", by=facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        apply_enrolment_upload(upload, by=facilitator)

    [message] = mailoutbox
    # The subject is put on one line with str.split(), which takes no-break spaces for spaces.
    assert message.subject == (
        f"[{settings.SITE_NAME}] Invitation au cours « Achats publics et droits humains »"
    )
    assert message.body.startswith("Bonjour,\n")
    assert (
        f"{facilitator.full_name} vous invite à rejoindre le cours "
        "«\u00a0Achats publics et droits humains\u00a0», cohorte «\u00a0Dakar 2026\u00a0»"
    ) in message.body
    assert "créez votre compte avec cette adresse (awa@example.org)\u00a0:" in message.body
    assert "invites you" not in message.body
