from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from mktgops_portal.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("mktgops_portal.api_urls")),
    path("", include("requests_app.urls")),
    path("milestones/", include("rollover.urls")),
    path("sales-systems/", include("sales_systems.urls")),
    path("changelog/", include("requests_app.urls_changelog")),
    path("slack/", include("slack_messages.urls")),
    path("board/", include("requests_app.urls_board")),
]

handler403 = "mktgops_portal.error_pages.permission_denied"
handler404 = "mktgops_portal.error_pages.page_not_found"
handler500 = "mktgops_portal.error_pages.server_error"
