from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from mktgops_portal import auth_views as portal_auth_views
from mktgops_portal.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", portal_auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        portal_auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up code as a script file: the page needs no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("mktgops_portal.api_urls")),
    path("", include("requests_app.urls")),
    path("milestones/", include("rollover.urls")),
    path("sales-systems/", include("sales_systems.urls")),
    path("changelog/", include("requests_app.urls_changelog")),
    path("slack/", include("slack_messages.urls")),
    path("board/", include("requests_app.urls_board")),
    path("notifications/", include("notifications.urls")),
    path("import/gitlab/", include("gitlab_import.urls")),
    path("audit/", include("audit.urls")),
]

handler400 = "mktgops_portal.error_pages.bad_request"
handler403 = "mktgops_portal.error_pages.permission_denied"
handler404 = "mktgops_portal.error_pages.page_not_found"
handler500 = "mktgops_portal.error_pages.server_error"
