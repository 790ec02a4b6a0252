from django.urls import path

from requests_app.views import epics, pages

urlpatterns = [
    path("", pages.home, name="home"),
    path("issues/<int:pk>/", pages.issue_detail, name="issue-detail"),
    path("epics/", epics.epic_index, name="epic-list"),
    path("epics/<int:pk>/", epics.epic_detail, name="epic-detail"),
    path("issues/<int:pk>/promote/", epics.issue_promote, name="issue-promote"),
]
