from django.http import JsonResponse
from django.urls import include, path
from rest_framework.decorators import api_view
from rest_framework.response import Response


def ping(request):
    """The trivial view: the same server and middleware, no database."""
    return JsonResponse({"ok": True})


def me(request):
    return JsonResponse({"ok": True, "user": request.user.pk})


@api_view(["GET"])
def api_me(request):
    return Response({"ok": True, "user": request.user.pk})


urlpatterns = [
    path("bench/ping/", ping),
    path("bench/me/", me),
    path("bench/api-me/", api_me),
    path("", include("mktgops_portal.urls")),
]
