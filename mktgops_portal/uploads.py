"""Uploads stop being read at the limit (ASVS 12.1.1; issue 12 case 9).

Django's size check on a form runs after the whole body was received and written to disk (200 MB were).
`BoundedUploadHandler`, first in FILE_UPLOAD_HANDLERS, counts the bytes of each file as they arrive and stops
the upload when one file passes `FILE_UPLOAD_MAX_BYTES` or all of the request's files pass
`FILE_UPLOAD_MAX_REQUEST_BYTES` (the connection is not read further), so a too-large upload costs at most the
limit. The view asks `upload_refusal(request)` for the message to show on the form.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

REFUSED_ATTRIBUTE = "_upload_refused"


def upload_limit_bytes() -> int:
    """The largest file accepted, in bytes."""
    return int(getattr(settings, "FILE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


def upload_request_limit_bytes() -> int:
    """The most bytes of files one request may carry."""
    return int(getattr(settings, "FILE_UPLOAD_MAX_REQUEST_BYTES", 5 * upload_limit_bytes()))


class BoundedUploadHandler(FileUploadHandler):
    """Passes chunks on to the next handlers until a file, or the request's files together, pass the limit."""

    def __init__(self, request=None):
        super().__init__(request)
        self.file_bytes = 0
        self.request_bytes = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file_bytes = 0

    def receive_data_chunk(self, raw_data, start):
        self.file_bytes += len(raw_data)
        self.request_bytes += len(raw_data)
        if self.file_bytes > upload_limit_bytes() or self.request_bytes > upload_request_limit_bytes():
            if self.request is not None:
                setattr(self.request, REFUSED_ATTRIBUTE, True)
            # connection_reset: the rest of the body is not read (the server closes the connection).
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) makes the file


def upload_refusal(request) -> str | None:
    """The message a form shows when this request's upload was stopped at the limit, else None."""
    if getattr(request, REFUSED_ATTRIBUTE, False):
        limit = upload_limit_bytes() / 1024 / 1024
        return (
            f"A file is larger than {limit:g} MB, the limit (or the files together are too large); nothing was "
            "saved. Split it into smaller files."
        )
    return None
