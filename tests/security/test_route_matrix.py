"""Issue 12: the role × route matrix. Every URL pattern of the URLconf (and every operation of the OpenAPI
document) is requested as anonymous, the requester, another requester, an IC and a manager, with a
confidential issue that has a comment, an attachment, a rollover reason, a block reason, a checklist, an epic
promoted from it and the Sales Systems label. Those who may not see the issue (anonymous, the other
requester) must learn nothing of it: not its title, description, reasons, comment, file, or that it exists
(a hidden id answers exactly as a missing one). Nobody gets a 5xx.

The walker is generic: it resolves the patterns and fills their parameters from the fixture by name, so
pages added later are walked without changing this test. A parameter it cannot fill fails the test, naming
the pattern, so it is taught rather than skipped.
"""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from labels.services import PRIO_ORDER, SYSTEMS_REQUEST
from requests_app.models import ChecklistItem, Comment, Issue, IssueTransition, Stage
from requests_app.services import attachment_create, issue_promote_to_epic, labels_attach
from sales_systems.services import systems_request_advance
from tests import factories as f
from tests.requests_app.conftest import csv_bytes, lead

# Distinctive ids: finding one of these in a page a non-seer got is a leak of existence.
SECRET_ISSUE, MISSING_ISSUE = 987654, 987653
SECRET_EPIC, MISSING_EPIC = 876543, 876542
SECRET_ATTACHMENT, MISSING_ATTACHMENT = 765432, 765431
SECRET_ITEM, MISSING_ITEM = 654321, 654320
SECRETS = {
    "title": "Quarterly layoffs list for EMEA",
    "description": "Names of the affected reps are attached",
    "comment": "Legal signed off the wording on Friday",
    "rollover reason": "Waiting on the works council",
    "block reason": "HR freeze until the board meets",
    "attachment name": "emea-affected-reps.csv",
    "attachment content": "ada1@example.com",
    "checklist": "Confirm the severance budget line",
}
ROLES = ["anonymous", "requester", "other_requester", "ic", "manager"]
NON_SEERS = {"anonymous", "other_requester"}
POST_ACTIONS = ["comment", "move", "triage", "close", "reopen", "sign-off", "promote"]


@pytest.fixture
def world(db, requester_user, other_requester, ic_user, manager_user):
    milestone = f.current_milestone()
    labels = {name: f.LabelFactory(name=name) for name in [SYSTEMS_REQUEST, *PRIO_ORDER]}
    secret = f.IssueFactory(
        id=SECRET_ISSUE,
        requester=requester_user,
        assignee=ic_user,
        confidential=True,
        title=SECRETS["title"],
        description=SECRETS["description"],
        rollover_reason=SECRETS["rollover reason"],
        weight=21,
        milestone=milestone,
        stage=Stage.BLOCKED,
        blocked_from=Stage.IN_PROGRESS,
    )
    IssueTransition.objects.create(
        issue=secret, from_stage=Stage.IN_PROGRESS, to_stage=Stage.BLOCKED, by=ic_user, reason=SECRETS["block reason"]
    )
    Comment.objects.create(issue=secret, author=requester_user, body=SECRETS["comment"])
    attachment = attachment_create(
        issue=secret, name=SECRETS["attachment name"], content=csv_bytes([lead(1)]), by=requester_user, rows=1
    )
    type(attachment).objects.filter(pk=attachment.pk).update(id=SECRET_ATTACHMENT)
    ChecklistItem.objects.create(id=SECRET_ITEM, issue=secret, position=1, text=SECRETS["checklist"])
    epic = issue_promote_to_epic(issue=secret, by=ic_user)
    type(epic).objects.filter(pk=epic.pk).update(id=SECRET_EPIC)
    Issue.objects.filter(pk=secret.pk).update(epic_id=SECRET_EPIC)
    labels_attach(issue=secret, labels=[labels[SYSTEMS_REQUEST]], by=ic_user)
    systems_request_advance(issue=secret, to=PRIO_ORDER[0], by=ic_user)
    # Something the other requester may see, so their pages are not empty.
    f.IssueFactory(requester=other_requester, title="Public request", milestone=milestone)
    return {
        "milestone": milestone,
        "label": labels[SYSTEMS_REQUEST],
        "users": {
            "requester": requester_user,
            "other_requester": other_requester,
            "ic": ic_user,
            "manager": manager_user,
        },
    }


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), (f"{namespace}{pattern.name}" if pattern.name else None), pattern


def _values(route: str, world, *, hidden: bool) -> dict:
    """Parameter values by name (and, for `pk`, by what the route is about)."""
    issue = SECRET_ISSUE if hidden else MISSING_ISSUE
    if "epics" in route:
        pk = SECRET_EPIC if hidden else MISSING_EPIC
    elif "milestones" in route:
        pk = world["milestone"].pk
    elif "labels" in route or "/label/" in route:
        pk = world["label"].pk
    else:
        pk = issue
    return {
        "pk": pk,
        "object_id": issue,
        "issue_pk": issue,
        "attachment_pk": SECRET_ATTACHMENT if hidden else MISSING_ATTACHMENT,
        "item_pk": SECRET_ITEM if hidden else MISSING_ITEM,
        "stage": Stage.BLOCKED.value,
        "kind": "general",
        "format": "json",
        "uidb64": "MQ",
        "token": "set-password",
        "app_label": "requests_app",
        "url": "x",
        "id": world["users"]["requester"].pk,
        "content_type_id": ContentType.objects.get_for_model(Issue).pk,
    }


def _fill(route: str, values: dict) -> str:
    """A route (path converters or a simple regex) with its parameters filled."""
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), path)
    path = path.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")
    return "/" + path


def _urls(world, *, hidden: bool) -> list[tuple[str, str]]:
    """(pattern, URL) for every pattern; the issue action pattern once per action."""
    urls = []
    for route, name, pattern in _walk(get_resolver().url_patterns):
        params = list(pattern.pattern.regex.groupindex)
        values = _values(route, world, hidden=hidden)
        missing = [p for p in params if p not in values and p != "action"]
        assert not missing, f"Teach the matrix the parameter(s) {missing} of {route!r} (tests/security)."
        if name is None:
            # Unnamed (the admin's old object URLs and catch-all): the route is filled in place.
            urls.append((route, _fill(route, values)))
            continue
        if "action" in params:
            for action in POST_ACTIONS:
                kwargs = {p: values[p] for p in params if p != "action"} | {"action": action}
                urls.append((route, reverse(name, kwargs=kwargs)))
            continue
        try:
            urls.append((route, reverse(name, kwargs={p: values[p] for p in params})))
        except Exception as exc:  # noqa: BLE001 - a pattern whose regex needs a value the map does not give
            pytest.fail(f"Cannot reverse {name} ({route!r}) with {params}: {exc}")
    return urls


def _client(role, world) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


def _leaks(body: str) -> list[str]:
    found = [what for what, text in SECRETS.items() if text.lower() in body.lower()]
    for value in (SECRET_ISSUE, SECRET_EPIC, SECRET_ATTACHMENT, SECRET_ITEM):
        if re.search(rf"(?<!\d){value}(?!\d)", body):
            found.append(f"id {value}")
    return found


def _state():
    issue = Issue.objects.get(pk=SECRET_ISSUE)
    return (
        issue.stage,
        issue.closed_at,
        issue.updated_at,
        issue.comments.count(),
        issue.labels.count(),
        ChecklistItem.objects.get(pk=SECRET_ITEM).done,
    )


def _shape(response, hidden_ids) -> tuple:
    """What a client can tell apart: the status and where a redirect goes (ids normalised)."""
    location = response.get("Location", "")
    for secret, missing in hidden_ids:
        location = location.replace(str(secret), "ID").replace(str(missing), "ID")
    return response.status_code, location


@pytest.mark.parametrize("role", ROLES)
def test_every_route_keeps_the_confidential_issue_from_those_who_may_not_see_it(world, role):
    client = _client(role, world)
    hidden_urls = _urls(world, hidden=True)
    missing_urls = _urls(world, hidden=False)
    assert len(hidden_urls) > 100  # the admin's and the API's patterns are walked too
    ids = [
        (SECRET_ISSUE, MISSING_ISSUE),
        (SECRET_EPIC, MISSING_EPIC),
        (SECRET_ATTACHMENT, MISSING_ATTACHMENT),
        (SECRET_ITEM, MISSING_ITEM),
    ]
    before = _state()
    problems = []
    methods = ["get", "post"] if role in NON_SEERS else ["get"]
    for (route, url), (_, missing_url) in zip(hidden_urls, missing_urls, strict=True):
        for method in methods:
            call = getattr(client, method)
            json_post = method == "post" and url.startswith("/api/")
            kwargs = {"content_type": "application/json", "data": "{}"} if json_post else {}
            if route.startswith("accounts/logout"):
                continue  # signing out would end the walk for this role
            response = call(url, **kwargs)
            if response.status_code >= 500:
                problems.append(f"{method.upper()} {url} as {role}: {response.status_code}")
            if role not in NON_SEERS:
                continue
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode("utf-8", "replace") + response.get("Location", "")
            leaked = _leaks(text.replace(url, ""))
            if leaked:
                problems.append(f"{method.upper()} {url} as {role} shows {', '.join(leaked)}")
            if missing_url != url:
                other = call(missing_url, **kwargs)
                if _shape(response, ids) != _shape(other, ids):
                    problems.append(
                        f"{method.upper()} {url} as {role} answers {_shape(response, ids)} but a missing id "
                        f"answers {_shape(other, ids)}: the hidden issue's existence shows"
                    )
    assert not problems, "\n".join(problems)
    if role in NON_SEERS:
        assert _state() == before  # nothing they posted changed the hidden issue
    else:  # the fixture is real: those who may see it do see every secret it holds
        page = client.get(f"/issues/{SECRET_ISSUE}/").content.decode()
        for what in ("title", "description", "comment", "attachment name"):
            assert SECRETS[what] in page, what
        assert SECRETS["title"] in client.get(f"/epics/{SECRET_EPIC}/").content.decode()
        assert SECRETS["title"] in client.get("/sales-systems/").content.decode()


@pytest.mark.parametrize("role", sorted(NON_SEERS - {"anonymous"}))
def test_every_api_operation_in_the_schema_keeps_the_issue_hidden(world, role):
    """The schema's operations, as the API's own clients see them (paths from the document, not the URLconf)."""
    schema = _client("manager", world).get("/api/schema/", {"format": "json"}).json()
    client = _client(role, world)
    problems = []
    operations = 0
    for path, item in schema["paths"].items():
        for method in item:
            if method not in {"get", "post", "patch", "put", "delete"}:
                continue
            operations += 1
            url = path.replace("{id}", str(SECRET_ISSUE)) if path.startswith("/api/issues/") else path
            url = url.replace("{id}", str(world["milestone"].pk if "milestones" in path else world["label"].pk))
            send = getattr(client, method)
            response = send(url) if method == "get" else send(url, data="{}", content_type="application/json")
            if response.status_code >= 500:
                problems.append(f"{method.upper()} {url}: {response.status_code}")
            leaked = _leaks(response.content.decode("utf-8", "replace").replace(url, ""))
            if leaked:
                problems.append(f"{method.upper()} {url} shows {', '.join(leaked)}")
            if "{id}" in path and path.startswith("/api/issues/"):
                missing_url = url.replace(str(SECRET_ISSUE), str(MISSING_ISSUE))
                missing = (
                    send(missing_url)
                    if method == "get"
                    else send(missing_url, data="{}", content_type="application/json")
                )
                if response.status_code != missing.status_code:
                    problems.append(f"{method.upper()} {url}: {response.status_code}, missing: {missing.status_code}")
    assert operations >= 10
    assert not problems, "\n".join(problems)
