from slack_messages.models import SlackOutboxMessage
from slack_messages.services import slack_post
from tests import factories as f


def test_without_a_token_messages_go_to_the_outbox_with_slack_shaped_ts(db):
    parent = slack_post(channel="#mktgops", text="parent")
    reply = slack_post(channel="#mktgops", text="reply", thread_ts=parent.ts)
    assert parent.outbox
    assert reply.ts > parent.ts
    for ts in (parent.ts, reply.ts):
        seconds, micros = ts.split(".")
        assert len(seconds) == 10
        assert len(micros) == 6
    assert SlackOutboxMessage.objects.get(ts=reply.ts).thread_ts == parent.ts


def test_outbox_page_shows_threads_nested_for_staff(db, client):
    parent = slack_post(
        channel="#mktgops",
        text="Rollover of M1",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*Rollover* <https://x.example/r|report>"}}],
    )
    slack_post(
        channel="#mktgops",
        text="Ivy",
        thread_ts=parent.ts,
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "• <https://x.example/i/1|#1 a &lt;b&gt;>"}}],
    )
    client.force_login(f.UserFactory(is_staff=True))
    page = client.get("/slack/outbox/").content.decode()
    assert '<a href="https://x.example/r">report</a>' in page
    assert "<strong>Rollover</strong>" in page
    assert "1 reply in thread" in page
    assert "#1 a &lt;b&gt;" in page  # user text stays escaped


def test_outbox_page_is_refused_to_non_staff_even_managers(db, client):
    client.force_login(f.manager(is_staff=False))
    assert client.get("/slack/outbox/").status_code == 403


def test_outbox_page_sends_anonymous_users_to_sign_in(db, client):
    response = client.get("/slack/outbox/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_outbox_never_renders_a_script_link(db, client):
    slack_post(channel="#mktgops", text="<javascript:alert(1)|click>")
    client.force_login(f.UserFactory(is_staff=True))
    page = client.get("/slack/outbox/").content.decode()
    assert 'href="javascript' not in page


def test_outbox_page_shows_a_rollover_reason_in_italics_as_slack_does(db, client):
    line = "• <https://x.example/i/86|#86 lead_source> · 04 — _Waiting on the admin seat._ (reason from @priya)"
    slack_post(channel="#mktgops", text="Priya", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": line}}])
    client.force_login(f.UserFactory(is_staff=True))
    page = client.get("/slack/outbox/").content.decode()
    assert "<em>Waiting on the admin seat.</em> (reason from @priya)" in page
    assert "#86 lead_source" in page  # snake_case is not italics
