from django.http import JsonResponse
from django.urls import include, path
from rest_framework.decorators import api_view
from rest_framework.response import Response


def ping(request):
    """The trivial view: the same server and middleware, no database."""
    return JsonResponse({"ok": True})


@api_view(["GET"])
def signed_in_ping(request):
    """The floor of every signed-in API request (DRF, session and user read), for context beside the ping."""
    return Response({"ok": True, "user": request.user.pk})


urlpatterns = [
    path("bench/ping/", ping),
    path("bench/signed-in-ping/", signed_in_ping),
    path("", include("mktgops_portal.urls")),
]
