"""The REST API's router and URLs under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api import MeView, ObtainTokenView
from courses.api import CourseViewSet

router = DefaultRouter()
router.register("courses", CourseViewSet, basename="api-course")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("", include(router.urls)),
]
