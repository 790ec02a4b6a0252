from django.http import JsonResponse
from django.urls import include, path


def ping(request):
    """The trivial view: the same server and middleware, no database."""
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/ping/", ping),
    path("", include("mktgops_portal.urls")),
]
