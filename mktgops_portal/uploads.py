"""Uploads stop being read at the limit (ASVS 12.1.1; issue 12 case 9).

Django's size check on a form runs after the whole body was received and written to disk (200 MB were).
`BoundedUploadHandler`, first in FILE_UPLOAD_HANDLERS, counts the file bytes as they arrive and stops the
upload at `FILE_UPLOAD_MAX_BYTES` (the connection is not read further), so a too-large file costs at most the
limit. The view asks `upload_refusal(request)` for the message to show on the form.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

REFUSED_ATTRIBUTE = "_upload_refused"


def upload_limit_bytes() -> int:
    return int(getattr(settings, "FILE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


class BoundedUploadHandler(FileUploadHandler):
    """Passes chunks on to the next handlers until the request's files together exceed the limit, then stops."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0  # the body is parsed by Django's parser; this handler only counts

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > upload_limit_bytes():
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
        return f"The file is larger than {limit:g} MB, the limit; nothing was saved. Split it into smaller files."
    return None
