"""Issue 12's eleven confirmed findings, each as the regression test of its expected answer."""

import csv
import io
import time

import pytest
from axes.models import AccessAttempt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from accounts.sessions import SEEN, STARTED
from audit.models import AuditEvent, AuditKind
from labels.services import PRIO_ORDER, SYSTEMS_REQUEST
from requests_app.models import Issue
from requests_app.pii import personal_data_found
from requests_app.services import issue_promote_to_epic, issue_update, labels_attach
from sales_systems.models import FastTrack
from sales_systems.services import systems_request_advance
from tests import factories as f
from tests.requests_app.conftest import HEADER, csv_bytes, lead


# 1. An epic keeps a confidential issue's title.
def test_1_an_issue_made_confidential_after_promotion_hides_its_epic_at_once(
    client, ic_user, requester_user, other_requester
):
    issue = f.IssueFactory(requester=requester_user, weight=21, title="Acquire Initech quietly")
    epic = issue_promote_to_epic(issue=issue, by=ic_user)
    issue_update(issue=issue, by=ic_user, confidential=True)
    client.force_login(other_requester)
    assert "Acquire Initech" not in client.get("/epics/").content.decode()
    response = client.get(f"/epics/{epic.pk}/")
    assert response.status_code == 404
    assert "Acquire Initech" not in response.content.decode()


# 2. A confidential epic is shown to the requester of another confidential issue linked to it.
def test_2_the_requester_of_another_confidential_issue_in_the_epic_does_not_see_it(
    client, ic_user, requester_user, other_requester
):
    first = f.IssueFactory(requester=requester_user, weight=30, confidential=True, title="Acquire Initech quietly")
    epic = issue_promote_to_epic(issue=first, by=ic_user)
    theirs = f.IssueFactory(requester=other_requester, confidential=True, epic=epic, title="Their own request")
    client.force_login(other_requester)
    assert "Acquire Initech" not in client.get("/epics/").content.decode()
    assert client.get(f"/epics/{epic.pk}/").status_code == 404
    own_page = client.get(f"/issues/{theirs.pk}/").content.decode()
    assert "Their own request" in own_page
    assert "Acquire Initech" not in own_page
    assert f"/epics/{epic.pk}/" not in own_page


# 3. /sales-systems/ shows every requester that hidden confidential issues exist.
def test_3_the_sales_systems_queue_shows_no_trace_of_a_hidden_request(client, ic_user, other_requester):
    labels = {name: f.LabelFactory(name=name) for name in [SYSTEMS_REQUEST, *PRIO_ORDER]}
    secret = f.IssueFactory(confidential=True, title="Import VIP contact list")
    labels_attach(issue=secret, labels=[labels[SYSTEMS_REQUEST]], by=ic_user)
    systems_request_advance(issue=secret, to=PRIO_ORDER[0], by=ic_user)
    client.force_login(other_requester)
    for step in ("", "requested", "in-queue", "actioned"):
        page = client.get("/sales-systems/", {"step": step}).content.decode()
        assert f"#{secret.pk}" not in page
        assert "Confidential issue" not in page
        assert "badge" not in page


# 4. Quadratic regex in the personal-data check; fields of 12 MB accepted.
def test_4_the_personal_data_check_takes_linear_time_on_1_mb_of_adversarial_text():
    adversarial = [
        "A" * 1_000_000,  # the reported case: a run of name characters with no "@"
        "a." * 500_000,
        "1 " * 500_000,  # digits and separators with no end
        ("1-" * 100_000 + "x") * 3,
        "a@" * 500_000,
        "x@a." * 250_000,
    ]
    for text in adversarial:
        started = time.perf_counter()
        personal_data_found(text)
        assert time.perf_counter() - started < 1.0, text[:10]


def test_4_the_personal_data_check_still_finds_addresses_and_phone_numbers():
    text = "Mail jo.b+x@ex.co.uk or call +1 415 555 0100; ref 2026-01-05, order 12345678, (020) 7123 4567."
    assert personal_data_found(text) == ["jo.b+x@ex.co.uk", "+1 415 555 0100", "(020) 7123 4567"]


def test_4_an_80000_character_request_is_refused_quickly_with_the_limit(client, requester_user):
    client.force_login(requester_user)
    started = time.perf_counter()
    response = client.post("/requests/new/general/", {"title": "Long", "details": "A" * 80_000})
    assert time.perf_counter() - started < 2.0
    assert response.status_code == 200
    assert "at most 8000 characters" in " ".join(response.context["form"].errors["details"])
    assert not Issue.objects.exists()


def test_4_a_12_mb_field_is_refused_before_it_is_read(client, requester_user):
    client.force_login(requester_user)
    response = client.post("/requests/new/general/", {"title": "Huge", "details": "A" * 12 * 1024 * 1024})
    assert response.status_code == 400  # DATA_UPLOAD_MAX_MEMORY_SIZE: RequestDataTooBig, not a 500
    assert not Issue.objects.exists()


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/issues/", {"title": "x" * 256}, "title"),
        ("/api/issues/", {"title": "Long", "description": "A" * 50_001}, "description"),
    ],
)
def test_4_the_api_refuses_over_long_fields(client, requester_user, url, body, field):
    client.force_login(requester_user)
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]


# 5. The list-import CSV is served back as uploaded.
FORMULAS = ['=HYPERLINK("http://evil.example")', "+1+1", "@SUM(1)", "-2+3"]


def test_5_a_downloaded_list_import_neutralises_formula_cells(client, requester_user, ic_user, taxonomy):
    client.force_login(requester_user)
    rows = [lead(n) for n in range(4)]
    for row, formula in zip(rows, FORMULAS, strict=True):
        row[0] = formula  # First Name
    upload = SimpleUploadedFile("leads.csv", csv_bytes([[f'"{c}"' if "," in c else c for c in r] for r in rows]))
    form = {"title": "Scans", "event_or_source": "Booth", "initial_source": "Conference", "consent_basis": "opt_in"}
    response = client.post("/requests/new/list-import/", {**form, "csv_file": upload})
    assert response.status_code == 302, response.context["form"].errors
    issue = Issue.objects.get()
    attachment = issue.attachments.get()
    client.force_login(ic_user)
    download = client.get(f"/issues/{issue.pk}/attachments/{attachment.pk}/")
    cells = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert cells[0] == HEADER
    assert [row[0] for row in cells[1:]] == [f"'{formula}" for formula in FORMULAS]
    assert download["Content-Disposition"].startswith("attachment")


# 6. No login throttling.
@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_6_forty_wrong_passwords_lock_the_account_for_that_address(client, db, settings, path):
    settings.AXES_FAILURE_LIMIT = 5
    f.UserFactory(username="victim", is_staff=True)
    for _ in range(40):
        client.post(path, {"username": "victim", "password": "wrong"})
    response = client.post(path, {"username": "victim", "password": "pw"})
    assert response.status_code == 429
    assert "Sign-in locked for now" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(kind=AuditKind.LOCKED_OUT, username="victim").exists()
    assert AuditEvent.objects.filter(kind=AuditKind.SIGN_IN_FAILED, username="victim").count() >= 5


def test_6_the_lockout_is_by_username_and_address_and_an_admin_unlock_lets_them_in(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 3
    f.UserFactory(username="victim")
    f.UserFactory(username="bystander")
    for _ in range(3):
        client.post("/accounts/login/", {"username": "victim", "password": "wrong"})
    assert client.post("/accounts/login/", {"username": "victim", "password": "pw"}).status_code == 429
    # Another account from the same address is not locked: the lock is the pair.
    assert client.post("/accounts/login/", {"username": "bystander", "password": "pw"}).status_code == 302
    client.logout()
    AccessAttempt.objects.filter(username="victim").delete()  # what Admin → Access attempts → delete does
    assert client.post("/accounts/login/", {"username": "victim", "password": "pw"}).status_code == 302


# 7. next=foo answers 500.
@pytest.mark.parametrize("target", ["foo", "//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_7_a_fast_track_post_with_a_bad_next_goes_back_to_the_queue(client, ic_user, target):
    labels = {name: f.LabelFactory(name=name) for name in [SYSTEMS_REQUEST, *PRIO_ORDER]}
    issue = f.IssueFactory()
    labels_attach(issue=issue, labels=[labels[SYSTEMS_REQUEST]], by=ic_user)
    client.force_login(ic_user)
    response = client.post(
        f"/sales-systems/{issue.pk}/fast-track/", {"fast_track": FastTrack.NEW_FIELD, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == "/sales-systems/"


def test_7_a_fast_track_post_with_a_path_on_the_site_goes_back_there(client, ic_user):
    labels = {name: f.LabelFactory(name=name) for name in [SYSTEMS_REQUEST, *PRIO_ORDER]}
    issue = f.IssueFactory()
    labels_attach(issue=issue, labels=[labels[SYSTEMS_REQUEST]], by=ic_user)
    client.force_login(ic_user)
    response = client.post(
        f"/sales-systems/{issue.pk}/fast-track/", {"fast_track": "", "next": "/sales-systems/?step=in-queue"}
    )
    assert response["Location"] == "/sales-systems/?step=in-queue"


# 8. No Content-Security-Policy; Markdown renders external images.
def test_8_pages_carry_a_strict_content_security_policy(client, requester_user):
    client.force_login(requester_user)
    policy = client.get("/issues/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"  # no inline script, no eval, no other origin
    assert directives["img-src"] == "'self' data:"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_8_an_external_image_in_markdown_is_a_link_not_an_image(client, requester_user):
    issue = f.IssueFactory(requester=requester_user, description="See ![chart](https://evil.example/p.png)")
    client.force_login(requester_user)
    html = client.get(f"/issues/{issue.pk}/").content.decode()
    assert "<img" not in html.split("<main", 1)[1]
    assert 'href="https://evil.example/p.png"' in html
    assert "Image: chart" in html


def test_8_no_template_has_an_inline_script():
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if "<script>" in path.read_text() or '<script type="text/javascript">' in path.read_text()
    ]
    assert not offenders


# 9. Uploads are size-checked only after the whole body is received.
class CountingStream(io.BytesIO):
    """A request body that counts what the server read of it."""

    read_bytes = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.read_bytes += len(chunk)
        return chunk


def test_9_an_upload_over_the_limit_is_not_read_past_the_limit(rf, settings, requester_user):
    from django.http.multipartparser import MultiPartParser

    from mktgops_portal.uploads import BoundedUploadHandler, upload_refusal

    settings.FILE_UPLOAD_MAX_BYTES = 256 * 1024
    boundary = "BoUnDaRy"
    payload = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nBig\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="csv_file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + b"a,b\r\n" * (4 * 1024 * 1024 // 5)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    stream = CountingStream(payload)
    request = rf.post("/requests/new/list-import/")
    meta = {"CONTENT_TYPE": f"multipart/form-data; boundary={boundary}", "CONTENT_LENGTH": str(len(payload))}
    handlers = [BoundedUploadHandler(request)]
    post, files = MultiPartParser(meta, stream, handlers).parse()
    assert post["title"] == "Big"
    assert "csv_file" not in files
    assert stream.read_bytes < settings.FILE_UPLOAD_MAX_BYTES + 256 * 1024  # stopped at the limit, 4 MB sent
    assert "larger than 0.25 MB" in upload_refusal(request)


def test_9_the_list_import_form_says_the_file_is_over_the_limit(client, requester_user, taxonomy, settings):
    settings.FILE_UPLOAD_MAX_BYTES = 1024
    client.force_login(requester_user)
    form = {"title": "Scans", "event_or_source": "Booth", "initial_source": "Conference", "consent_basis": "opt_in"}
    upload = SimpleUploadedFile("leads.csv", csv_bytes([lead(n) for n in range(200)]))
    response = client.post("/requests/new/list-import/", {**form, "csv_file": upload})
    assert response.status_code == 200
    assert "larger than" in " ".join(response.context["form"].errors["csv_file"])
    assert 'value="Scans"' in response.content.decode()  # the rest of the form is kept
    assert not Issue.objects.exists()


# 10. Sessions last 14 days with no idle timeout.
def _age_session(client, *, idle: int, since_sign_in: int):
    session = client.session
    now = int(time.time())
    session[SEEN] = now - idle
    session[STARTED] = now - since_sign_in
    session.save()


def test_10_a_session_idle_for_8_hours_is_signed_out(client, requester_user):
    client.force_login(requester_user)
    assert client.get("/issues/").status_code == 200
    _age_session(client, idle=8 * 3600 + 1, since_sign_in=8 * 3600 + 1)
    response = client.get("/issues/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_10_an_active_session_ends_at_its_absolute_lifetime(client, requester_user):
    client.force_login(requester_user)
    _age_session(client, idle=60, since_sign_in=12 * 3600 + 1)
    assert client.get("/issues/").status_code == 302
    client.force_login(requester_user)
    _age_session(client, idle=60, since_sign_in=11 * 3600)
    assert client.get("/issues/").status_code == 200


@override_settings(SESSION_IDLE_TIMEOUT=600)
def test_10_the_idle_timeout_is_configurable(client, requester_user):
    client.force_login(requester_user)
    _age_session(client, idle=601, since_sign_in=601)
    assert client.get("/issues/").status_code == 302


def test_10_a_session_cookie_no_longer_lasts_14_days(settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600


# 11. The OpenAPI document disagrees with the API.
def test_11_the_schema_declares_nullable_fields_plain_lists_and_error_responses(client, requester_user):
    client.force_login(requester_user)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    issue = schema["components"]["schemas"]["Issue"]["properties"]
    assert issue["assignee"]["nullable"] is True
    assert issue["milestone"]["nullable"] is True
    attachments = schema["paths"]["/api/issues/{id}/attachments/"]["get"]["responses"]
    assert attachments["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"detail", "code"}
    detail = schema["paths"]["/api/issues/{id}/"]
    for status in ("400", "403", "404"):
        body = detail["get"]["responses"][status]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/Error"}
    assert "409" in detail["patch"]["responses"]
    # The full check, every operation against real answers: tests/security/test_openapi_schemathesis.py.


def test_4_an_api_body_over_the_limit_is_a_400_not_a_500(client, requester_user):
    client.force_login(requester_user)
    body = '{"title": "Huge", "description": "' + "A" * 2 * 1024 * 1024 + '"}'
    response = client.post("/api/issues/", body, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) >= {"detail", "code"}
    assert not Issue.objects.exists()
