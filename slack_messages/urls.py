from django.urls import path

from slack_messages import views

urlpatterns = [
    path("outbox/", views.outbox, name="slack-outbox"),
]
