from django.conf import settings
from django.utils import translation


class PreferredLanguageMiddleware:
    """Show a signed-in user the site in their preferred language.

    Runs after LocaleMiddleware and AuthenticationMiddleware. An explicit choice made with the
    language switcher (the language cookie) wins over the profile, so the switcher always works.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.preferred_language
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
