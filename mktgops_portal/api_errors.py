"""API errors: every one answers `{"detail": message, "code": code}` (plus field errors for a 400 on input).

Domain refusals are `mktgops_portal.errors.PortalError`s and carry their own status and code; DRF's own
exceptions keep their status and their DRF code (`not_authenticated`, `permission_denied`, `not_found`,
`method_not_allowed`, `parse_error`, `throttled`, `invalid` for field errors).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from mktgops_portal.errors import PortalError


def exception_handler(exc, context):
    if isinstance(exc, PortalError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = _code(exc)
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data
        if isinstance(errors, dict):
            response.data = {"detail": _summary(errors), "code": "invalid", "errors": errors}
        else:
            response.data = {"detail": _messages(errors), "code": "invalid"}
    elif isinstance(response.data, dict):
        response.data = {"detail": _messages(response.data.get("detail", response.data)), "code": code}
    else:
        response.data = {"detail": _messages(response.data), "code": code}
    return response


def _code(exc) -> str:
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        if isinstance(codes, str):
            return codes
        return exc.default_code
    return "error"


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
