from django.urls import path

from . import funder_views, views
from .exports import views as exports

urlpatterns = [
    path("", views.statistics, name="reports"),
    path("funder/", funder_views.funder_report, name="reports-funder"),
    path("exports/", exports.exports, name="reports-exports"),
    path("exports/<int:job_id>/download/", exports.download, name="reports-export-download"),
]
