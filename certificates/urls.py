from django.urls import path

from . import views

urlpatterns = [
    path("certificates/verify/", views.verify, name="certificate-verify"),
    path("certificates/verify/<str:code>/", views.verify_code, name="certificate-verify-code"),
    path("certificates/<str:code>/pdf/", views.download, name="certificate-download"),
]
