"""The audit log: what is recorded (who, what, when, from where) and who may read it."""

import pytest

from audit.models import AuditEvent, AuditKind
from audit.services import audit_record
from requests_app.services import attachment_create, issue_update
from tests import factories as f
from tests.requests_app.conftest import csv_bytes, lead


def test_a_sign_in_is_recorded_with_the_address_it_came_from(client, db):
    f.UserFactory(username="ann")
    client.post("/accounts/login/", {"username": "ann", "password": "pw"}, REMOTE_ADDR="203.0.113.7")
    event = AuditEvent.objects.get(kind=AuditKind.SIGN_IN)
    assert (event.username, event.ip, event.user.username) == ("ann", "203.0.113.7", "ann")


def test_a_failed_sign_in_records_the_name_typed_never_the_password(client, db):
    client.post("/accounts/login/", {"username": "nobody", "password": "hunter2"}, REMOTE_ADDR="198.51.100.4")
    event = AuditEvent.objects.get(kind=AuditKind.SIGN_IN_FAILED)
    assert (event.username, event.ip, event.user) == ("nobody", "198.51.100.4", None)
    assert "hunter2" not in str(event.data)


def test_a_forwarded_address_is_believed_only_when_configured(client, db, settings):
    f.UserFactory(username="ann")
    forwarded = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9, 10.0.0.1"}
    client.post("/accounts/login/", {"username": "ann", "password": "pw"}, **forwarded)
    assert AuditEvent.objects.get(kind=AuditKind.SIGN_IN).ip == "10.0.0.1"
    settings.AUDIT_TRUST_X_FORWARDED_FOR = True
    client.post("/accounts/login/", {"username": "ann", "password": "pw"}, **forwarded)
    assert AuditEvent.objects.filter(kind=AuditKind.SIGN_IN).first().ip == "203.0.113.9"


def test_a_confidential_flag_change_is_recorded_with_who_and_which_issue(db, ic_user):
    issue = f.IssueFactory()
    issue_update(issue=issue, by=ic_user, confidential=True)
    event = AuditEvent.objects.get(kind=AuditKind.CONFIDENTIAL_CHANGED)
    assert (event.user, event.target_type, event.target_id) == (ic_user, "issue", str(issue.pk))
    assert event.data == {"from": False, "to": True}


def test_an_unchanged_flag_records_nothing(db, ic_user):
    issue_update(issue=f.IssueFactory(confidential=True), by=ic_user, confidential=True)
    assert not AuditEvent.objects.exists()


def test_exports_and_attachment_downloads_are_recorded(client, ic_user, requester_user):
    milestone = f.current_milestone()
    issue = f.IssueFactory(requester=requester_user, confidential=True)
    attachment = attachment_create(issue=issue, name="l.csv", content=csv_bytes([lead(1)]), by=requester_user)
    client.force_login(ic_user)
    client.get("/changelog/changelog.csv")
    client.get(f"/milestones/{milestone.pk}/report.csv")
    client.get(f"/issues/{issue.pk}/attachments/{attachment.pk}/")
    kinds = list(AuditEvent.objects.exclude(kind=AuditKind.SIGN_IN).order_by("pk").values_list("kind", "target_type"))
    assert kinds == [
        (AuditKind.EXPORT, "changelog"),
        (AuditKind.EXPORT, "milestone_report"),
        (AuditKind.ATTACHMENT_DOWNLOADED, "attachment"),
    ]
    assert AuditEvent.objects.get(kind=AuditKind.ATTACHMENT_DOWNLOADED).data == {"issue": issue.pk}


def test_a_refused_download_records_nothing(client, other_requester, requester_user):
    issue = f.IssueFactory(requester=requester_user, confidential=True)
    attachment = attachment_create(issue=issue, name="l.csv", content=csv_bytes([lead(1)]), by=requester_user)
    client.force_login(other_requester)
    assert client.get(f"/issues/{issue.pk}/attachments/{attachment.pk}/").status_code == 404
    assert not AuditEvent.objects.filter(kind=AuditKind.ATTACHMENT_DOWNLOADED).exists()


def test_an_unknown_kind_is_refused(db):
    with pytest.raises(ValueError, match="Unknown audit kind"):
        audit_record(kind="coffee_break")


@pytest.mark.parametrize(("who", "status"), [("requester", 403), ("ic", 403), ("manager", 200)])
def test_only_managers_read_the_audit_log(client, requester_user, ic_user, manager_user, who, status):
    audit_record(kind=AuditKind.SIGN_IN_FAILED, username="mallory", ip="192.0.2.1")
    client.force_login({"requester": requester_user, "ic": ic_user, "manager": manager_user}[who])
    response = client.get("/audit/")
    assert response.status_code == status
    assert ("mallory" in response.content.decode()) is (status == 200)


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("rows", [3, 40])
def test_the_audit_page_costs_the_same_queries_at_any_size(client, manager_user, django_assert_num_queries, rows):
    client.force_login(manager_user)
    for n in range(rows):
        audit_record(kind=AuditKind.SIGN_IN, user=manager_user, ip=f"192.0.2.{n}")
    # session, user, groups, the count, the page of events with their users
    with django_assert_num_queries(5):
        response = client.get("/audit/", {"kind": AuditKind.SIGN_IN})
    assert response.content.decode().count("192.0.2.") == rows


def test_the_filter_narrows_by_kind_and_username(client, manager_user):
    audit_record(kind=AuditKind.SIGN_IN_FAILED, username="mallory")
    audit_record(kind=AuditKind.EXPORT, username="ann")
    client.force_login(manager_user)
    page = client.get("/audit/", {"kind": AuditKind.EXPORT}).content.decode()
    assert "ann" in page
    assert "mallory" not in page
    page = client.get("/audit/", {"username": "MALLORY"}).content.decode()
    assert "mallory" in page
