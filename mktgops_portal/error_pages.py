"""Error answers: the API's are JSON `{"detail", "code"}` like every other API answer; pages are the portal's own.

`PortalErrorPagesMiddleware` gives the same answers under DEBUG (`make run`), where Django would otherwise show
its technical 404/403 pages, and turns a `PortalError` that reaches a view's edge into its status and page.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import render

from mktgops_portal.errors import ErrorCode, PortalError

NOT_FOUND = "There is nothing here, or it is not visible to you."
FORBIDDEN = "You may not do this."


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _answer(request, status: int, message: str, code: str):
    if _is_api(request):
        return JsonResponse({"detail": message, "code": code}, status=status)
    template = {403: "403.html", 404: "404.html"}.get(status, "error.html")
    return render(request, template, {"message": message, "code": code, "status": status}, status=status)


def page_not_found(request, exception):
    return _answer(request, 404, NOT_FOUND, ErrorCode.NOT_FOUND)


def permission_denied(request, exception):
    message = str(exception) if str(exception) else FORBIDDEN
    return _answer(request, 403, message, ErrorCode.FORBIDDEN)


def server_error(request):
    if _is_api(request):
        return JsonResponse(
            {"detail": "Something went wrong on our side; it has been logged.", "code": "server_error"}, status=500
        )
    return render(request, "500.html", status=500)


class PortalErrorPagesMiddleware:
    """The portal's own 403/404 pages (JSON under /api/) even with DEBUG on; a `PortalError` raised out of a view
    answers with its status, message and code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            # No URL matched: under DEBUG Django answered with its technical page.
            return page_not_found(request, None)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, PortalError):
            return _answer(request, exception.status, exception.message, exception.code)
        if not settings.DEBUG:
            return None  # handler404/handler403 answer
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        return None
