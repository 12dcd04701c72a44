"""The translations keep to docs/glossary.md: one term per concept in each language, two
different actions on one page never under the same words, and the formal register.

The glossary's tables are the test data: a translator changes a term there, not here.
"""

import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from certificates.pdf.wording import DEFAULT_WORDING

GLOSSARY = Path(settings.BASE_DIR) / "docs" / "glossary.md"
LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]

# Placeholders and markup are not words of the sentence.
NOT_WORDS = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|<[^>]+>")
ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # short vowels, shadda, tatweel


def normalise(text):
    """Lower case, plain spaces and apostrophes; Arabic without vowel marks, alef without hamza,
    and ta marbuta read as ta (شهادة, شهادتك)."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")
    text = ARABIC_MARKS.sub("", text)
    return re.sub("[\u0623\u0625\u0622]", "\u0627", text).replace("\u0629", "\u062a")


@dataclass(frozen=True)
class Term:
    english: tuple[str, ...]
    forms: dict  # language -> tuple of accepted forms
    avoid: dict  # language -> tuple of competing terms


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _split_forms(cell):
    """The forms of a cell: separated by " / ", a remark in brackets left out, a stem's "-"
    dropped."""
    cell = re.sub(r"\(.*?\)", "", cell)
    return tuple(normalise(form.strip().rstrip("-")) for form in cell.split(" / ") if form.strip())


def read_glossary():
    """The terms of both tables and the exceptions, as written in docs/glossary.md."""
    terms, exceptions = [], set()
    header = None
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = _cells(line)
        if header is None:
            header = cells
            continue
        if set("".join(cells)) <= set("-: "):
            continue
        row = dict(zip(header, cells, strict=True))
        if header[0] == "English":
            avoid = {}
            for item in filter(None, (part.strip() for part in row["Not"].split(";"))):
                language, term = item.split(":", 1)
                avoid.setdefault(language.strip(), []).append(normalise(term.strip()))
            terms.append(
                Term(
                    english=_split_forms(row["English"]),
                    forms={language: _split_forms(row[language]) for language in LANGUAGES},
                    avoid={language: tuple(found) for language, found in avoid.items()},
                )
            )
        elif header[0] == "Language":
            exceptions.add((row["Language"], normalise(row["English text (start)"]), row["Term"]))
    return terms, exceptions


def _english_pattern(term, terms):
    """Where the term occurs in English text, leaving out longer terms that contain it."""
    longer = {
        other
        for entry in terms
        if entry is not term
        for other in entry.english
        if any(form in other and form != other for form in term.english)
    }
    mask = re.compile(
        "|".join(rf"\b{re.escape(phrase)}" for phrase in sorted(longer, key=len)[::-1])
    )
    find = re.compile("|".join(rf"\b{re.escape(form)}" for form in term.english))

    def occurs(text):
        text = mask.sub(" ", text) if longer else text
        return bool(find.search(text))

    return occurs


def translations(language):
    """(English, translations, where) for every catalogue entry and certificate phrase; an entry
    with plural forms gives all its forms, which need not each repeat every term (the Arabic
    zero form says "no certificate" where English has only one and many)."""
    po = polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))
    for entry in po.translated_entries():
        where = f"msgid {entry.msgid!r}" + (
            f" (msgctxt {entry.msgctxt!r})" if entry.msgctxt else ""
        )
        if entry.msgid_plural:
            forms = [form for _index, form in sorted(entry.msgstr_plural.items())]
            yield f"{entry.msgid} {entry.msgid_plural}", forms, where
        else:
            yield entry.msgid, [entry.msgstr], where
    for key, english in DEFAULT_WORDING["en"].items():
        yield english, [DEFAULT_WORDING[language][key]], f"certificate wording {key!r}"


def glossary_problems(language, terms, exceptions):
    """What in `language` strays from the glossary: a missing term, or a competing one."""
    problems = []
    checks = [(term, _english_pattern(term, terms)) for term in terms]
    for english, translated, where in translations(language):
        source = normalise(NOT_WORDS.sub(" ", english))
        forms = [normalise(NOT_WORDS.sub(" ", form)) for form in translated]
        shown = " | ".join(translated)
        for term, occurs in checks:
            if not occurs(source):
                continue
            if any(
                lang == language and source.startswith(start) and name == term.english[0]
                for lang, start, name in exceptions
            ):
                continue
            if not any(
                glossary_form in form for form in forms for glossary_form in term.forms[language]
            ):
                problems.append(
                    f"{where}: {shown!r} lacks the term for {term.english[0]!r} "
                    f"({' / '.join(term.forms[language])})"
                )
            for competing in term.avoid.get(language, ()):
                if any(competing in form for form in forms):
                    problems.append(
                        f"{where}: {shown!r} says {competing!r} for {term.english[0]!r}"
                    )
    return problems


def test_glossary_has_every_language_for_every_term():
    terms, _exceptions = read_glossary()
    assert len(terms) > 40
    for term in terms:
        assert term.english, term
        for language in LANGUAGES:
            assert term.forms[language], f"{term.english[0]}: no {language} term"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_uses_the_glossary_term_for_each_concept(language):
    terms, exceptions = read_glossary()
    problems = glossary_problems(language, terms, exceptions)
    assert problems == [], "\n".join(problems)


def test_a_competing_term_in_a_catalogue_is_caught():
    """The check above is not vacuous: "promotion" for cohort, إلغاء for revoke fail it."""
    terms, _exceptions = read_glossary()
    checks = {term.english[0]: term for term in terms}
    cohort, revoke = checks["cohort"], checks["revoke"]
    assert not any(form in normalise("Promotion : Dakar 2026") for form in cohort.forms["fr"])
    assert normalise("promotion") in cohort.avoid["fr"]
    assert not any(form in normalise("إلغاء الشهادات") for form in revoke.forms["ar"])
    assert any(form in normalise("إبطال الشهادات") for form in revoke.forms["ar"])


# Register -------------------------------------------------------------------------------------

INFORMAL = {
    "fr": re.compile(r"\b(tu|toi|ton|ta|tes|te|t')\b|\w+-toi\b", re.IGNORECASE),
    # Spanish "tú" shows in pronouns and possessives, in short imperatives and in imperatives
    # with an enclitic "te" ("inscríbete"); a regular imperative ("sigue", "inicia") is spelt
    # like usted's indicative, so write sentences that cannot be read as one ("Se ha inscrito").
    "es": re.compile(
        r"\b(tú|tu|tus|te|ti|contigo|tuyo|tuya|tuyos|tuyas|haz|pon)\b"
        r"|\b(inscríbete|regístrate|conéctate|suscríbete|únete|apúntate|asegúrate|fíjate"
        r"|identifícate|entérate|olvídate|anímate)\b",
        re.IGNORECASE,
    ),
}


@pytest.mark.parametrize("language", sorted(INFORMAL))
def test_catalogue_keeps_to_the_formal_register(language):
    found = [
        f"{where}: {form!r}"
        for _english, translated, where in translations(language)
        for form in translated
        if INFORMAL[language].search(NOT_WORDS.sub(" ", form))
    ]
    assert found == []


# Same words for two actions ---------------------------------------------------------------------


class _Actions(HTMLParser):
    """The words of each control in the page's header and content, in document order: buttons,
    submit inputs, links and form labels. The admin's sidebar is left out: it sorts the models
    by their translated names, so its order differs from one language to the next."""

    TAGS = {"a", "button", "label", "summary"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self):
        super().__init__()
        self.found = []
        self._open = []  # (tag, words) of the controls being read
        self._stack = []  # open elements: (tag, whether a region to read starts there)

    def _reading(self):
        return any(starts for _tag, starts in self._stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in self.VOID:
            self._stack.append((tag, tag in {"header", "main"} or attrs.get("id") == "content"))
        if not self._reading():
            return
        if tag == "input" and attrs.get("type") in {"submit", "button", "reset"}:
            self.found.append(" ".join((attrs.get("value") or "").split()))
        elif tag in self.TAGS:
            self._open.append((tag, []))

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                _tag, words = self._open.pop(index)
                self.found.append(" ".join("".join(words).split()))
                break
        # An element closed implicitly (a <p> or <li> without its end tag) closes here too.
        tags = [open_tag for open_tag, _starts in self._stack]
        if tag in tags:
            del self._stack[len(tags) - 1 - tags[::-1].index(tag) :]

    def handle_data(self, data):
        for _tag, words in self._open:
            words.append(data)


def actions(html):
    parser = _Actions()
    parser.feed(html)
    return [text for text in parser.found if text]


def same_words_for_different_actions(english, translated):
    """Pairs of controls whose English differs but whose translation is the same."""
    assert len(english) == len(translated), (english, translated)
    seen = {}
    clashes = []
    for source, target in zip(english, translated, strict=True):
        earlier = seen.setdefault(target, source)
        if earlier.casefold() != source.casefold():  # "Sign up" and allauth's "Sign Up" agree
            clashes.append((earlier, source, target))
    return clashes


@pytest.fixture
def issued_certificate(db, django_capture_on_commit_callbacks, settings, tmp_path):
    """One issued certificate, its PDF stored in this test's own folder."""
    from courses.services.progress import record_lesson_completion
    from tests.factories import enrol_user, make_cohort, make_course, make_user

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    course = make_course(modules=1, lessons_per_module=1, title="Buying with due diligence")
    user = make_user(full_name="Amina Diallo", country="SN")
    enrol_user(user, course, make_cohort(course, name="Dakar 2026"))
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in course.lessons.all():
            record_lesson_completion(user, lesson)
    from certificates.models import Certificate

    return Certificate.objects.get()


PAGES = {}


def page(name):
    def register(function):
        PAGES[name] = function
        return function

    return register


@page("certificate revocation (admin)")
def _revoke(client, request):
    certificate = request.getfixturevalue("issued_certificate")
    client.force_login(request.getfixturevalue("admin_user"))
    return lambda: client.post(
        reverse("admin:certificates_certificate_changelist"),
        {"action": "revoke_selected", "_selected_action": [certificate.pk]},
    )


@page("course page, enrolled (leave the course)")
def _leave(client, request):
    from tests.factories import enrol_user

    course = request.getfixturevalue("course")
    participant = request.getfixturevalue("participant")
    enrol_user(participant, course)
    client.force_login(participant)
    return lambda: client.get(course.get_absolute_url())


@page("course page, not enrolled (enrol, sign up)")
def _enrol(client, request):
    from tests.factories import make_cohort

    course = request.getfixturevalue("course")
    make_cohort(course, name="Nairobi 2026")
    return lambda: client.get(course.get_absolute_url())


@page("enrolment upload (check, cancel)")
def _upload(client, request):
    cohort = _facilitated_cohort(client, request)
    return lambda: client.get(reverse("facilitate-enrol", args=[cohort.pk]))


@page("enrolment preview (confirm, cancel)")
def _preview(client, request):
    cohort = _facilitated_cohort(client, request)
    url = reverse("facilitate-enrol", args=[cohort.pk])
    return lambda: client.post(url, {"addresses": "awa@example.org\n"}, follow=True)


@page("new message (send, cancel)")
def _message(client, request):
    cohort = _facilitated_cohort(client, request)
    return lambda: client.get(reverse("facilitate-message-new", args=[cohort.pk]))


@page("sign-up page (sign up, sign in)")
def _sign_up(client, request):
    return lambda: client.get(reverse("account_signup"))


def _facilitated_cohort(client, request):
    from tests.factories import make_cohort

    facilitator = request.getfixturevalue("facilitator")
    cohort = make_cohort(request.getfixturevalue("course"), name="Nairobi 2026")
    cohort.facilitators.add(facilitator)
    client.force_login(facilitator)
    return cohort


@pytest.mark.parametrize("name", list(PAGES))
def test_page_never_shows_two_actions_under_the_same_words(db, client, request, name):
    """Rendered in English and in each language, control by control: two controls with
    different English (Revoke, Cancel) must not read the same in translation (إلغاء twice)."""
    render = PAGES[name](client, request)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = render()
    assert response.status_code == 200
    english = actions(response.content.decode())
    assert len(set(english)) > 1
    problems = []
    for language in LANGUAGES:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        translated = actions(render().content.decode())
        for first, second, words in same_words_for_different_actions(english, translated):
            problems.append(f"{language}: {first!r} and {second!r} both read {words!r}")
    assert problems == []


@pytest.mark.parametrize(
    ("language", "sign_up"),
    [("fr", "Créer un compte"), ("es", "Crear una cuenta"), ("ar", "إنشاء حساب")],
)
def test_sign_up_page_says_create_an_account_not_enrol(client, db, language, sign_up):
    """allauth's catalogues say "Inscription" / "التسجيل", the words kept for enrolling: ours
    (accounts/allauth_wording.py) come first."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("account_signup"))
    page = response.content.decode()
    [heading] = re.findall(r"<h1>(.*?)</h1>", page, re.DOTALL)
    assert heading.strip() == sign_up
    assert sign_up in actions(page)  # the button
    enrol_words = ["Inscription", "S'inscrire", "Registrarse", "الاشتراك"]
    assert not any(word in page for word in enrol_words)


def test_the_same_words_check_catches_revoke_and_cancel_alike():
    english = ["Home", "Revoke", "Cancel"]
    assert same_words_for_different_actions(english, ["الرئيسية", "إلغاء", "إلغاء"]) == [
        ("Revoke", "Cancel", "إلغاء")
    ]
    assert same_words_for_different_actions(english, ["الرئيسية", "إبطال", "إلغاء"]) == []
