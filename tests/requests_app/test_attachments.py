"""Issue 13: files on every request type and on comments — checked by content, images re-encoded, served only to
those who may see the issue."""

import io
import os

import pytest
from PIL import Image

from mktgops_portal.errors import Invalid
from requests_app import services
from requests_app.errors import CollabErrorCode
from requests_app.models import Attachment, AttachmentKind
from tests.factories import IssueFactory

pytestmark = pytest.mark.django_db


def png(size=(8, 6), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def noisy_png(side: int) -> bytes:
    """A PNG that does not compress: about 3 bytes a pixel."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, format="PNG")
    return out.getvalue()


SCRIPT = b"<script>alert(document.cookie)</script>"


def test_a_png_with_trailing_script_bytes_comes_out_re_encoded(requester_user):
    issue = IssueFactory(requester=requester_user)
    attachment = services.attachment_add(issue=issue, by=requester_user, name="shot.png", content=png() + SCRIPT)
    stored = attachment.file.open("rb").read()
    assert SCRIPT not in stored
    assert stored.startswith(b"\x89PNG")
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (8, 6)
    assert (attachment.kind, attachment.content_type, attachment.width) == (AttachmentKind.IMAGE, "image/png", 8)


def test_a_png_that_is_really_html_is_refused(requester_user):
    issue = IssueFactory(requester=requester_user)
    with pytest.raises(Invalid) as refused:
        services.attachment_add(issue=issue, by=requester_user, name="shot.png", content=b"<html>" + SCRIPT)
    assert refused.value.code == CollabErrorCode.FILE_TYPE
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "kind", "content_type"),
    [
        ("report.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF", AttachmentKind.FILE, "application/pdf"),
        ("list.csv", b"Email,Company\nann@example.com,Acme\n", AttachmentKind.FILE, "text/csv"),
        ("photo.jpg", None, AttachmentKind.IMAGE, "image/jpeg"),
    ],
)
def test_pdfs_spreadsheets_and_images_are_accepted_by_their_content(requester_user, name, content, kind, content_type):
    if content is None:
        out = io.BytesIO()
        Image.new("RGB", (4, 4)).save(out, format="JPEG")
        content = out.getvalue()
    attachment = services.attachment_add(
        issue=IssueFactory(requester=requester_user), by=requester_user, name=name, content=content
    )
    assert (attachment.kind, attachment.content_type) == (kind, content_type)


def test_a_csv_name_on_markup_is_refused(requester_user):
    with pytest.raises(Invalid):
        services.attachment_add(
            issue=IssueFactory(requester=requester_user), by=requester_user, name="x.csv", content=SCRIPT
        )


def test_size_and_count_limits(requester_user, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    settings.ATTACHMENT_MAX_PER_ISSUE = 2
    issue = IssueFactory(requester=requester_user)
    with pytest.raises(Invalid) as refused:
        services.attachment_add(issue=issue, by=requester_user, name="big.png", content=noisy_png(40))
    assert refused.value.code == CollabErrorCode.FILE_TOO_LARGE
    for n in range(2):
        services.attachment_add(issue=issue, by=requester_user, name=f"{n}.png", content=png())
    with pytest.raises(Invalid) as refused:
        services.attachment_add(issue=issue, by=requester_user, name="3.png", content=png())
    assert refused.value.code == CollabErrorCode.TOO_MANY_FILES


def test_another_requester_gets_404_on_a_confidential_issues_image(client, requester_user, other_requester, ic_user):
    issue = IssueFactory(requester=requester_user, confidential=True)
    attachment = services.attachment_add(issue=issue, by=requester_user, name="shot.png", content=png())
    url = f"/issues/{issue.pk}/attachments/{attachment.pk}/"
    client.force_login(other_requester)
    assert client.get(url).status_code == 404
    client.force_login(requester_user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(ic_user)
    assert client.get(url).status_code == 200


def test_a_comment_carries_its_files_and_the_page_shows_the_thumbnail(client, requester_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    issue = IssueFactory(requester=requester_user)
    client.force_login(requester_user)
    response = client.post(
        f"/issues/{issue.pk}/comment/",
        {"body": "See the screenshot", "attachments": [SimpleUploadedFile("s.png", png(), "image/png")]},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(issue=issue)
    assert attachment.comment is not None
    html = client.get(f"/issues/{issue.pk}/").content.decode()
    assert f'<img src="/issues/{issue.pk}/attachments/{attachment.pk}/"' in html


def test_a_refused_file_on_a_comment_keeps_the_comment_text(client, requester_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    issue = IssueFactory(requester=requester_user)
    client.force_login(requester_user)
    response = client.post(
        f"/issues/{issue.pk}/comment/",
        {"body": "My typed words", "attachments": [SimpleUploadedFile("s.png", b"<html>", "image/png")]},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "My typed words" in html
    assert "not a file we accept" in html
    assert not issue.comments.exists()  # the comment and its files are one change


@pytest.mark.parametrize("kind", ["bug", "process-change", "tool-evaluation", "general"])
def test_every_request_type_takes_files(client, requester_user, taxonomy, kind):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.requests_app.test_intake import VALID

    client.force_login(requester_user)
    data = {**VALID[kind], "attachments": [SimpleUploadedFile("s.png", png(), "image/png")]}
    response = client.post(f"/requests/new/{kind}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Attachment.objects.get().kind == AttachmentKind.IMAGE
