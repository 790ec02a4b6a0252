from django.urls import path

from gitlab_import import views

urlpatterns = [
    path("", views.import_index, name="gitlab-import"),
    path("runs/<int:pk>/", views.import_run_detail, name="gitlab-import-run"),
]
