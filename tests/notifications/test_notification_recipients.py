"""Issue 15: a change reads its watchers with their preferences in one query, and still tells exactly whom
issue 13 says, with each person's preferences, whether they watch, unwatched or never had a watch row."""

import pytest

from notifications.models import DEFAULT_EMAIL_KINDS, Kind, Notification
from requests_app import services, signals
from requests_app.models import Issue, Stage
from tests import factories
from tests.factories import IssueFactory, NotificationPreferenceFactory, WatchFactory

pytestmark = pytest.mark.django_db


def told(issue) -> dict[str, tuple[str, bool]]:
    """{username: (kind, wants_email)} of the notifications about `issue`."""
    rows = Notification.objects.filter(issue=issue).values_list("recipient__username", "kind", "wants_email")
    return {name: (kind, wants) for name, kind, wants in rows}


def resend_move(issue, by, count_queries, queries: int) -> None:
    """The issue's last move announced again, with the issue read as a move that does not join its requester and
    assignee would have it; its receivers run in exactly `queries` queries."""
    Notification.objects.filter(issue=issue).delete()
    fresh = Issue.objects.get(pk=issue.pk)
    transition = fresh.transitions.order_by("-pk").first()
    with count_queries(queries):
        signals.issue_moved.send(sender=Issue, issue=fresh, by=by, transition=transition)
    assert not Issue.requester.is_cached(fresh)
    assert not Issue.assignee.is_cached(fresh)


def test_a_move_tells_the_watching_requester_and_assignee_in_two_queries_without_loading_them(
    requester_user, ic_user, django_assert_num_queries
):
    colleague = factories.ic(username="cole")
    issue = services.issue_create(requester=requester_user, title="Fix the lead form")  # the requester watches
    services.issue_update(issue=issue, by=ic_user, assignee=colleague)  # so does the assignee
    services.issue_move(issue_id=issue.pk, to_stage=Stage.READY, by=ic_user)
    # One read of the watch rows with the preferences, one insert: no preference query, no user loaded.
    resend_move(issue, ic_user, django_assert_num_queries, 2)
    assert told(issue) == {"riley": (Kind.WATCHED, False), "cole": (Kind.WATCHED, False)}


def test_each_watcher_s_preferences_come_with_their_watch_row(
    requester_user, ic_user, mailoutbox, django_assert_num_queries, django_capture_on_commit_callbacks
):
    issue = IssueFactory(requester=requester_user)
    WatchFactory(issue=issue, user=requester_user)
    eager = WatchFactory(issue=issue, user=factories.requester(username="eve")).user
    NotificationPreferenceFactory(user=eager, email_kinds=[Kind.WATCHED])
    patient = WatchFactory(issue=issue, user=factories.requester(username="dora")).user
    NotificationPreferenceFactory(user=patient, email_kinds=[Kind.WATCHED], daily_digest=True)
    WatchFactory(issue=issue, user=factories.requester(username="pat"))  # no preference row: the defaults
    services.issue_move(issue_id=issue.pk, to_stage=Stage.READY, by=ic_user)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        resend_move(issue, ic_user, django_assert_num_queries, 3)  # the watch rows, the notifications, the e-mail task
    assert told(issue) == {
        "riley": (Kind.WATCHED, False),
        "eve": (Kind.WATCHED, True),
        "dora": (Kind.WATCHED, True),  # kept for the digest
        "pat": (Kind.WATCHED, False),
    }
    assert [m.to for m in mailoutbox] == [[eager.email]]
    assert Kind.WATCHED not in DEFAULT_EMAIL_KINDS  # why pat and riley get no e-mail


def test_a_requester_who_unwatched_still_gets_a_question_with_the_preferences_of_their_watch_row(
    requester_user, ic_user, mailoutbox, django_capture_on_commit_callbacks
):
    issue = IssueFactory(requester=requester_user)
    WatchFactory(issue=issue, user=requester_user, watching=False)
    NotificationPreferenceFactory(user=requester_user, email_kinds=[Kind.QUESTION], daily_digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_move(issue_id=issue.pk, to_stage=Stage.READY, by=ic_user)
    assert told(issue) == {}  # a change they stopped following
    issue = IssueFactory(requester=requester_user)
    WatchFactory(issue=issue, user=requester_user, watching=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_move(issue_id=issue.pk, to_stage=Stage.NEEDS_INFO, by=ic_user, reason="Which list?")
    assert told(issue) == {"riley": (Kind.QUESTION, True)}  # a question to them, e-mailed in their digest
    assert mailoutbox == []


def test_people_without_a_watch_row_are_told_with_their_preferences_read_for_them(
    requester_user, ic_user, mailoutbox, django_capture_on_commit_callbacks
):
    colleague = factories.ic(username="cole")
    issue = IssueFactory(requester=requester_user, assignee=colleague)  # no watch rows at all
    NotificationPreferenceFactory(user=requester_user, email_kinds=[])
    NotificationPreferenceFactory(user=colleague, email_kinds=[Kind.MENTION], daily_digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_move(issue_id=issue.pk, to_stage=Stage.NEEDS_INFO, by=ic_user, reason="Ask @cole please")
    assert told(issue) == {"riley": (Kind.QUESTION, False), "cole": (Kind.MENTION, True)}
    assert mailoutbox == []


def test_a_watcher_who_is_mentioned_is_told_once_with_the_preferences_of_their_watch_row(
    requester_user, ic_user, django_assert_num_queries
):
    colleague = factories.ic(username="cole")
    issue = IssueFactory(requester=requester_user)
    WatchFactory(issue=issue, user=requester_user)
    WatchFactory(issue=issue, user=colleague)
    NotificationPreferenceFactory(user=colleague, email_kinds=[Kind.COMMENT])
    services.issue_move(issue_id=issue.pk, to_stage=Stage.BLOCKED, by=ic_user, reason="Waiting on @cole.")
    resend_move(issue, ic_user, django_assert_num_queries, 3)  # the watch rows, the mentioned users, the notifications
    assert told(issue) == {"riley": (Kind.WATCHED, False), "cole": (Kind.MENTION, False)}


def test_a_confidential_issue_reaches_only_the_watchers_who_may_see_it(requester_user, ic_user, other_requester):
    issue = IssueFactory(requester=requester_user, confidential=True)
    for user in (
        requester_user,
        factories.ic(username="cole"),  # MktgOps: may see every confidential issue
        factories.requester(username="root", is_superuser=True),
        other_requester,  # a watch left from before it became confidential
        factories.ic(username="gone", is_active=False),
    ):
        WatchFactory(issue=issue, user=user)
    services.issue_move(issue_id=issue.pk, to_stage=Stage.READY, by=ic_user)
    assert told(issue) == {"riley": (Kind.WATCHED, False), "cole": (Kind.WATCHED, False), "root": (Kind.WATCHED, False)}
