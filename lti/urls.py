from django.urls import path

from . import views

app_name = "lti"
urlpatterns = [
    path("jwks/", views.jwks, name="jwks"),
    # Platforms that send their client_id with the login initiation (Moodle, Canvas) can use
    # the first; the second names the registration, for those that do not.
    path("login/", views.oidc_login, name="login-any"),
    path("login/<uuid:registration_uuid>/", views.oidc_login, name="login"),
    path("launch/", views.launch, name="launch"),
    path("deep-linking/", views.deep_linking, name="deep-linking"),
]
