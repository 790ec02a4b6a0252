"""What an uploaded file really is, decided from its bytes (never its name), and images made harmless.

Accepted (issue 13): PNG, JPEG, GIF and WebP images, re-encoded with Pillow so only pixels survive (metadata,
trailing bytes and anything appended to the image are dropped); PDFs; spreadsheets (XLSX, XLS, ODS) and CSV text.
Everything else, an HTML page named `.png` included, is refused with `Invalid(code=FILE_TYPE)`.
"""

import io
from dataclasses import dataclass

import filetype
from django.conf import settings
from PIL import Image, UnidentifiedImageError

from mktgops_portal.errors import Invalid
from requests_app.errors import CollabErrorCode
from requests_app.models import AttachmentKind

# Pillow's format name → (MIME type, extension) for the images we keep as images.
IMAGE_FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
# filetype's extension → (MIME type, extension) for files kept as they are.
FILE_TYPES = {
    "pdf": ("application/pdf", "pdf"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "xls": ("application/vnd.ms-excel", "xls"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
}
ACCEPTED = "PNG, JPEG, GIF or WebP images, PDFs, and spreadsheets (XLSX, XLS, ODS, CSV)"


@dataclass(frozen=True)
class CheckedFile:
    """A file fit to store: `content` (re-encoded for images), its checked `content_type` and `extension`."""

    kind: str
    content: bytes
    content_type: str
    extension: str
    width: int | None = None
    height: int | None = None


def attachment_max_bytes() -> int:
    """Per-file limit in bytes (settings.ATTACHMENT_MAX_BYTES, 10 MB by default)."""
    return getattr(settings, "ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)


def attachment_max_per_issue() -> int:
    """How many files one issue (with its comments) may carry (settings.ATTACHMENT_MAX_PER_ISSUE, 20)."""
    return getattr(settings, "ATTACHMENT_MAX_PER_ISSUE", 20)


def attachment_check(name: str, content: bytes) -> CheckedFile:
    """Decide what `content` is and return it fit to store; raises Invalid (FILE_TYPE, FILE_TOO_LARGE,
    IMAGE_BROKEN) with a message naming the file."""
    limit = attachment_max_bytes()
    if len(content) > limit:
        raise Invalid(
            f"“{name}” is {len(content) / 1024 / 1024:.1f} MB; files may be at most {limit // 1024 // 1024} MB.",
            code=CollabErrorCode.FILE_TOO_LARGE,
        )
    kind = filetype.guess(content)
    if kind is not None and kind.mime.startswith("image/"):
        return _image(name, content)
    if kind is not None and kind.extension in FILE_TYPES:
        mime, ext = FILE_TYPES[kind.extension]
        return CheckedFile(AttachmentKind.FILE, content, mime, ext)
    if kind is None and name.lower().endswith(".csv") and _is_plain_text(content):
        return CheckedFile(AttachmentKind.FILE, content, "text/csv", "csv")
    raise Invalid(f"“{name}” is not a file we accept: attach {ACCEPTED}.", code=CollabErrorCode.FILE_TYPE)


def _is_plain_text(content: bytes) -> bool:
    """UTF-8 text that does not open as markup (a CSV never starts with '<')."""
    try:
        text = content[:4096].decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text and not text.lstrip().startswith("<")


def _image(name: str, content: bytes) -> CheckedFile:
    refused = Invalid(f"“{name}” could not be read as an image.", code=CollabErrorCode.IMAGE_BROKEN)
    try:
        with Image.open(io.BytesIO(content)) as image:
            fmt = image.format
            if fmt not in IMAGE_FORMATS:
                raise Invalid(f"“{name}” is not a file we accept: attach {ACCEPTED}.", code=CollabErrorCode.FILE_TYPE)
            image.load()
            out = io.BytesIO()
            # Pixels only: a fresh image of the same mode, saved without the original's metadata or extra bytes.
            clean = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") and fmt != "JPEG" else "RGB")
            if fmt == "GIF":
                clean = clean.convert("P", palette=Image.Palette.ADAPTIVE)
            clean.save(out, format=fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
            width, height = image.size
    except Invalid:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise refused from exc
    mime, ext = IMAGE_FORMATS[fmt]
    return CheckedFile(AttachmentKind.IMAGE, out.getvalue(), mime, ext, width, height)
