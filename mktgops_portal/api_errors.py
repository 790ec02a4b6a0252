"""API errors always answer with a JSON `detail`; domain refusals map to 404/403/409."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from labels.services import LabelError
from milestones.services import MilestoneError
from mktgops_portal.errors import PortalError
from requests_app.services import IssueError, IssueMoveForbidden, IssueMoveRefused, IssueNotFound


def exception_handler(exc, context):
    if isinstance(exc, PortalError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, IssueNotFound):
        return Response({"detail": str(exc)}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, IssueMoveForbidden):
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, IssueMoveRefused | MilestoneError):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, IssueError | LabelError):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        # Field errors: keep them, and add one sentence a script can show.
        response.data = {"detail": _summary(response.data), **response.data}
    elif response is not None and isinstance(response.data, list):
        response.data = {"detail": " ".join(str(e) for e in response.data)}
    return response


def _summary(errors: dict) -> str:
    parts = []
    for field, messages in errors.items():
        text = _messages(messages)
        parts.append(text if field == "non_field_errors" else f"{field}: {text}")
    return " ".join(parts)


def _messages(messages) -> str:
    """The error strings of a field, flattened: a list field's errors come as {index: [...]}."""
    if isinstance(messages, dict):
        return " ".join(_messages(m) for m in messages.values())
    if isinstance(messages, list):
        return " ".join(_messages(m) for m in messages)
    return str(messages)
