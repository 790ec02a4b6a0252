"""Issue 13: each kind of notification — who gets it, who does not, the e-mail's link, queued on commit."""

import pytest
from django.core import mail

from notifications.models import Kind, Notification, NotificationPreference, Watch
from notifications.services import notifications_digest_send
from requests_app import services
from requests_app.models import Stage
from tests import factories
from tests.factories import IssueFactory, WatchFactory

pytestmark = pytest.mark.django_db


def kinds_for(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", flat=True))


def test_a_comment_on_your_request_notifies_you_and_emails_a_link_to_the_comment(
    requester_user, ic_user, mailoutbox, django_capture_on_commit_callbacks
):
    issue = IssueFactory(requester=requester_user, title="Fix the lead form")
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_create(issue=issue, author=ic_user, body="Which form exactly?")
    assert kinds_for(requester_user) == [Kind.COMMENT]
    assert kinds_for(ic_user) == []  # never for your own actions
    [sent] = mailoutbox
    assert sent.to == [requester_user.email]
    assert f"http://testserver/issues/{issue.pk}/#comment-{comment.pk}" in sent.body
    assert "Fix the lead form" in sent.subject


def test_e_mails_are_queued_on_commit_not_sent_in_the_request(
    requester_user, ic_user, mailoutbox, django_capture_on_commit_callbacks
):
    issue = IssueFactory(requester=requester_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.comment_create(issue=issue, author=ic_user, body="Hello")
    assert mailoutbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mailoutbox) == 1


def test_watchers_and_the_assignee_get_comments_and_changes_in_the_app_only_by_default(
    requester_user, ic_user, other_requester, mailoutbox, django_capture_on_commit_callbacks
):
    colleague = factories.ic(username="cole")
    issue = IssueFactory(requester=requester_user, assignee=colleague)
    WatchFactory(user=other_requester, issue=issue)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(issue=issue, author=ic_user, body="Looking")
    assert kinds_for(colleague) == [Kind.WATCHED]
    assert kinds_for(other_requester) == [Kind.WATCHED]
    # Only the requester's kind (a comment on your request) is e-mailed by default.
    assert [m.to for m in mailoutbox] == [[requester_user.email]]


def test_an_unwatched_issue_stops_comment_notifications_but_not_a_mention(requester_user, ic_user):
    issue = IssueFactory(requester=requester_user)
    Watch.objects.create(user=requester_user, issue=issue, watching=False)
    services.comment_create(issue=issue, author=ic_user, body="Working on it")
    assert kinds_for(requester_user) == []
    services.comment_create(issue=issue, author=ic_user, body=f"@{requester_user.username} one question")
    assert kinds_for(requester_user) == [Kind.MENTION]


def test_commenters_watch_automatically(requester_user, ic_user, other_requester):
    issue = IssueFactory(requester=requester_user)
    services.comment_create(issue=issue, author=other_requester, body="Same problem here")
    services.comment_create(issue=issue, author=ic_user, body="Fixed")
    assert kinds_for(other_requester) == [Kind.WATCHED]


@pytest.mark.parametrize("where", ["comment", "description", "reason"])
def test_a_mention_anywhere_notifies_the_person_named(
    requester_user, ic_user, mailoutbox, django_capture_on_commit_callbacks, where
):
    colleague = factories.ic(username="cole.b")
    issue = IssueFactory(requester=requester_user)
    with django_capture_on_commit_callbacks(execute=True):
        if where == "comment":
            services.comment_create(issue=issue, author=ic_user, body="@cole.b, can you look?")
        elif where == "description":
            services.issue_edit(issue_id=issue.pk, by=ic_user, description="Ask @cole.b about it.")
        else:
            services.issue_move(issue_id=issue.pk, to_stage=Stage.BLOCKED, by=ic_user, reason="Waiting on @cole.b.")
    assert kinds_for(colleague) == [Kind.MENTION]
    assert any(m.to == [colleague.email] for m in mailoutbox)


def test_a_mention_of_yourself_or_of_someone_who_may_not_see_a_confidential_issue_notifies_nobody(
    requester_user, ic_user, other_requester
):
    issue = IssueFactory(requester=requester_user, confidential=True)
    services.comment_create(issue=issue, author=ic_user, body=f"@{ic_user.username} @{other_requester.username}")
    assert kinds_for(ic_user) == []
    assert kinds_for(other_requester) == []  # may not see it: not told it exists


def test_an_e_mail_address_is_not_a_mention(requester_user, ic_user):
    factories.requester(username="example.com")
    issue = IssueFactory(requester=requester_user)
    services.comment_create(issue=issue, author=ic_user, body="Write to sam@example.com")
    assert Notification.objects.filter(kind=Kind.MENTION).count() == 0


def test_being_assigned_notifies_the_assignee_who_then_watches(requester_user, ic_user, mailoutbox):
    colleague = factories.ic(username="cole")
    issue = IssueFactory(requester=requester_user)
    services.issue_update(issue=issue, by=ic_user, assignee=colleague)
    assert kinds_for(colleague) == [Kind.ASSIGNED]
    assert Watch.objects.filter(user=colleague, issue=issue, watching=True).exists()
    services.issue_update(issue=issue, by=colleague, assignee=colleague)  # no change: nothing new
    assert kinds_for(colleague) == [Kind.ASSIGNED]


def test_assigning_yourself_notifies_you_of_nothing(requester_user, ic_user):
    issue = IssueFactory(requester=requester_user)
    services.issue_update(issue=issue, by=ic_user, assignee=ic_user)
    assert kinds_for(ic_user) == []


def test_a_question_in_01_is_e_mailed_to_the_requester_with_the_question_and_a_link_to_the_move(
    requester_user, ic_user, mailoutbox, django_capture_on_commit_callbacks
):
    issue = IssueFactory(requester=requester_user, title="Import booth scans")
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_move(issue_id=issue.pk, to_stage=Stage.NEEDS_INFO, by=ic_user, reason="Which event?")
    assert kinds_for(requester_user) == [Kind.QUESTION]
    [sent] = mailoutbox
    move = issue.transitions.get()
    assert sent.subject == f"MktgOps needs more information on #{issue.pk}: Import booth scans"
    assert "Which event?" in sent.body
    assert f"http://testserver/issues/{issue.pk}/#move-{move.pk}" in sent.body


def test_completion_and_closing_notify_the_requester(requester_user, ic_user, mailoutbox):
    issue = IssueFactory(
        requester=requester_user, stage=Stage.IN_PROGRESS, assignee=ic_user, milestone=factories.current_milestone()
    )
    services.issue_move(issue_id=issue.pk, to_stage=Stage.COMPLETED, by=ic_user)
    services.issue_close(issue=issue, by=ic_user)
    assert kinds_for(requester_user) == [Kind.COMPLETED, Kind.CLOSED]


def test_closing_your_own_request_notifies_you_of_nothing(requester_user):
    issue = IssueFactory(requester=requester_user)
    services.issue_close(issue=issue, by=requester_user)
    assert kinds_for(requester_user) == []


def test_a_sign_off_notifies_the_requester_and_the_assignee(requester_user, ic_user):
    owner = factories.requester(username="owen")
    issue = IssueFactory(
        requester=requester_user, business_owner=owner, stage=Stage.REVIEW, assignee=ic_user,
        milestone=factories.current_milestone(),
    )  # fmt: skip
    services.issue_sign_off(issue=issue, by=owner)
    assert kinds_for(requester_user) == [Kind.SIGNED_OFF]
    assert kinds_for(ic_user) == [Kind.SIGNED_OFF]
    assert kinds_for(owner) == []


def test_a_rollover_tells_each_requester_after_it_commits(requester_user, ic_user, django_capture_on_commit_callbacks):
    from rollover.services import rollover_get_or_create, rollover_move_issues

    ended = factories.past_milestone()
    factories.current_milestone()
    issue = IssueFactory(requester=requester_user, milestone=ended, assignee=ic_user, stage=Stage.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        rollover_move_issues(rollover=rollover_get_or_create(milestone=ended))
    [note] = Notification.objects.filter(recipient=requester_user)
    assert (note.kind, note.issue_id) == (Kind.ROLLED_OVER, issue.pk)
    assert ended.title in note.text


def test_a_confidential_issue_notifies_only_those_who_may_see_it_and_its_subject_has_no_title(
    requester_user, ic_user, other_requester, mailoutbox, django_capture_on_commit_callbacks
):
    issue = IssueFactory(requester=requester_user, confidential=True, title="Jane Doe's records")
    # A watch left from before it became confidential does not let a stranger hear about it.
    WatchFactory(user=other_requester, issue=issue)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(issue=issue, author=ic_user, body="Checking")
        services.issue_move(issue_id=issue.pk, to_stage=Stage.NEEDS_INFO, by=ic_user, reason="Which list?")
    assert kinds_for(other_requester) == []
    assert kinds_for(requester_user) == [Kind.COMMENT, Kind.QUESTION]
    assert len(mailoutbox) == 2
    for sent in mailoutbox:
        assert "Jane" not in sent.subject
        assert f"#{issue.pk}" in sent.subject


def test_preferences_choose_the_kinds_e_mailed_and_the_digest_collects_them_once(
    requester_user, ic_user, mailoutbox, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=requester_user, email_kinds=[Kind.COMMENT], daily_digest=True)
    issue = IssueFactory(requester=requester_user, title="Webinar sync")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(issue=issue, author=ic_user, body="First")
        services.comment_create(issue=issue, author=ic_user, body="Second")
        services.issue_update(issue=issue, by=ic_user, weight=3)
    assert mailoutbox == []  # the digest, not one e-mail each
    assert notifications_digest_send(user_id=requester_user.pk) == 2
    [digest] = mailoutbox
    assert "Webinar sync" in digest.body
    assert f"/issues/{issue.pk}/#comment-" in digest.body
    assert notifications_digest_send(user_id=requester_user.pk) == 0  # sent once


def test_the_daily_digest_task_sends_to_those_who_chose_it(requester_user, ic_user, mailoutbox):
    from notifications.tasks import notifications_digest_task

    NotificationPreference.objects.create(user=requester_user, email_kinds=[Kind.COMMENT], daily_digest=True)
    services.comment_create(issue=IssueFactory(requester=requester_user), author=ic_user, body="Hi")
    assert notifications_digest_task.delay().get() == 1
    assert len(mailoutbox) == 1
    assert "digest" in mail.outbox[0].subject
