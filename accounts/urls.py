from django.urls import path

from . import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/export/", views.export_data, name="profile-export"),
    path("profile/delete/", views.delete_account, name="profile-delete"),
    # Before allauth's own, which it extends (elearn/urls.py includes this first).
    path("logout/", views.LogoutView.as_view(), name="account_logout"),
]
