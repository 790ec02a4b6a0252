from django.urls import path

from notifications import views

urlpatterns = [
    path("", views.notification_list, name="notification-list"),
    path("read/", views.notifications_read, name="notifications-read"),
    path("bell/", views.notification_bell, name="notification-bell"),
    path("preferences/", views.notification_preferences, name="notification-preferences"),
    path("watch/<int:issue_pk>/", views.issue_watch, name="issue-watch"),
    path("<int:pk>/", views.notification_open, name="notification-open"),
]
