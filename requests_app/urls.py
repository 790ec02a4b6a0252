from django.urls import path

from requests_app.views import pages

urlpatterns = [
    path("", pages.home, name="home"),
    path("issues/<int:pk>/", pages.issue_detail, name="issue-detail"),
    path("epics/<int:pk>/", pages.epic_detail, name="epic-detail"),
]
