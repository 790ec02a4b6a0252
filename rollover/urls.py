from django.urls import path

from rollover import views

urlpatterns = [
    path("", views.milestone_index, name="milestone-list"),
    path("<int:pk>/", views.milestone_detail, name="milestone-detail"),
    path("<int:pk>/rollover/", views.milestone_rollover_start, name="milestone-rollover"),
    path("<int:pk>/handbook-mr/", views.milestone_handbook_mr, name="milestone-handbook-mr"),
    path("<int:pk>/close/", views.milestone_close_view, name="milestone-close"),
    path("<int:pk>/reopen/", views.milestone_reopen_view, name="milestone-reopen"),
    path("<int:pk>/report/", views.milestone_report, name="milestone-report"),
    path("<int:pk>/report.csv", views.milestone_report_csv, name="milestone-report-csv"),
    path("<int:pk>/issues/<int:issue_pk>/rollover-reason/", views.issue_rollover_reason, name="milestone-issue-reason"),
]
