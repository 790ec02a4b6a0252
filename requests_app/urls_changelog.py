from django.urls import path

from requests_app.views import changelog

urlpatterns = [
    path("", changelog.changelog, name="changelog"),
    path("changelog.csv", changelog.changelog_csv, name="changelog-csv"),
]
