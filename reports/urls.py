from django.urls import path

from . import funder_views, views

urlpatterns = [
    path("", views.statistics, name="reports"),
    path("funder/", funder_views.funder_report, name="reports-funder"),
]
