"""User text is rendered from Markdown and comes out inert: no scripts, handlers or javascript: links."""

import pytest

from requests_app.markdown import markdown_to_html
from tests.factories import CommentFactory, IssueFactory

HOSTILE = (
    "Hello <script>alert('desc')</script> world\n\n"
    '<img src="x.png" onerror="alert(1)">\n\n'
    "[click me](javascript:alert(document.cookie))\n\n"
    '<a href="JaVaScRiPt:alert(2)" onclick="alert(3)">raw link</a>\n\n'
    '<a href="https://example.com/ok">fine</a>'
)


def assert_inert(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered
    assert "alert('desc')" not in lowered
    assert "onerror" not in lowered
    assert "onclick" not in lowered
    assert "javascript:" not in lowered


def test_markdown_renders_headings_lists_and_code():
    html = markdown_to_html("### Steps\n\n1. one\n2. two\n\n```\n<b>x</b>\n```")
    assert "<h3>Steps</h3>" in html
    assert "<ol>" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html  # code is shown, not run


def test_script_tags_onerror_attributes_and_javascript_links_are_removed():
    html = markdown_to_html(HOSTILE)
    assert_inert(html)
    assert "Hello" in html
    assert "world" in html
    assert '<a href="x.png" rel="nofollow noopener">Image: x.png</a>' in html  # never loaded (issue 12)


def test_links_get_nofollow_noopener():
    html = markdown_to_html("[docs](https://docs.example.com)")
    assert '<a href="https://docs.example.com" rel="nofollow noopener">docs</a>' in html


def test_data_and_vbscript_urls_are_removed():
    html = markdown_to_html("[a](data:text/html;base64,PHNjcmlwdD4=) [b](vbscript:msgbox)")
    assert "data:" not in html
    assert "vbscript:" not in html


@pytest.mark.django_db
def test_a_hostile_description_and_comment_come_out_inert_on_the_issue_page(client, requester_user):
    issue = IssueFactory(requester=requester_user, description=HOSTILE)
    CommentFactory(issue=issue, author=requester_user, body=HOSTILE.replace("desc", "comment"))
    client.force_login(requester_user)
    html = client.get(f"/issues/{issue.pk}/").content.decode()
    body = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert_inert(body)
    assert "alert('comment')" not in body
    assert body.count("raw link") == 2  # the description's and the comment's, both kept as text


@pytest.mark.django_db
def test_a_hostile_comment_posted_through_the_form_comes_out_inert(client, requester_user):
    issue = IssueFactory(requester=requester_user)
    client.force_login(requester_user)
    response = client.post(f"/issues/{issue.pk}/comment/", {"body": HOSTILE})
    assert response.status_code == 302
    body = client.get(f"/issues/{issue.pk}/").content.decode().split("<main", 1)[1].split("</main>", 1)[0]
    assert_inert(body)
