from django.urls import path

from requests_app.views import epics, intake, issues, pages

urlpatterns = [
    path("", pages.home, name="home"),
    path("requests/new/", intake.request_chooser, name="request-new"),
    path("requests/new/list-import/check/", intake.list_import_check, name="list-import-check"),
    path("requests/new/list-import/fixed.csv", intake.list_import_fixed, name="list-import-fixed"),
    path("requests/new/<slug:kind>/", intake.request_new, name="request-new-kind"),
    path("issues/", issues.issue_list, name="issue-list"),
    path("issues/<int:pk>/", issues.issue_detail, name="issue-detail"),
    path("issues/<int:pk>/attachments/<int:attachment_pk>/", issues.attachment_download, name="issue-attachment"),
    path("issues/<int:pk>/checklist/<int:item_pk>/", issues.checklist_item_toggle, name="issue-checklist-item"),
    path("issues/<int:pk>/<slug:action>/", issues.issue_action, name="issue-action"),
    path("epics/", epics.epic_index, name="epic-list"),
    path("epics/<int:pk>/", epics.epic_detail, name="epic-detail"),
]
