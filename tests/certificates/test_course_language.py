"""A certificate is worded in its course's language, whatever the participant's own; the email
that brings it is in the participant's."""

import pytest
from django.utils import translation

from certificates.models import Certificate
from certificates.pdf.wording import DEFAULT_WORDING
from courses.services.progress import record_lesson_completion
from tests.certificates.test_pdf import logical_text
from tests.factories import enrol_user, make_course, make_user


@pytest.mark.parametrize(
    ("course_language", "participant_language", "title"),
    [
        ("fr", "en", "Bien acheter"),
        ("ar", "fr", "الشراء الجيد"),
        ("en", "ar", "Buying well"),
    ],
)
def test_certificate_is_worded_in_the_course_language_not_the_participants(
    db, django_capture_on_commit_callbacks, mailoutbox, course_language, participant_language, title
):
    course = make_course(title=title, language=course_language, lessons_per_module=1)
    user = make_user(full_name="Amina Diallo", preferred_language=participant_language)
    enrol_user(user, course)

    with django_capture_on_commit_callbacks(execute=True):
        record_lesson_completion(user, course.lessons.get())

    certificate = Certificate.objects.get(enrolment__user=user)
    assert certificate.course_language == course_language
    text = logical_text(certificate.pdf.read())
    assert DEFAULT_WORDING[course_language]["title"] in text
    assert title in text
    for other in {"en", "fr", "ar"} - {course_language}:
        assert DEFAULT_WORDING[other]["title"] not in text
    (email,) = mailoutbox
    with translation.override(participant_language):
        subject = translation.gettext("Your certificate for %(course)s") % {"course": title}
    assert email.subject == subject
