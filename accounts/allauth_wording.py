"""allauth's words for signing up, translated again in our catalogue to follow docs/glossary.md.

allauth's own catalogues say "Inscription" (French) and "التسجيل" (Arabic) for signing up: the
words this platform keeps for enrolling in a course. Our catalogue (LOCALE_PATHS) comes before
allauth's, so these translations win; naming the msgids here keeps them in it when makemessages
runs. Nothing imports this module.
"""

from django.utils.translation import gettext_noop

SIGN_UP_WORDS = (
    gettext_noop("Signup"),  # allauth's page title
    gettext_noop("Sign Up"),  # allauth's heading and button
    gettext_noop("Sign Up Closed"),
)
