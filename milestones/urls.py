from django.urls import path

from milestones import views

urlpatterns = [
    path("", views.milestone_index, name="milestone-list"),
]
