"""Benchmark: the rollover of a milestone with 5,000 open issues.

Runs in a throwaway database (Django's test database for DATABASE_URL: `test_<name>`, created and dropped
here). Reports the database part (moving the issues with their comments, events, records and the planned
Slack thread) with its query count, the posting of the thread to the outbox, and separately the time
Slack's pace (SLACK_MIN_INTERVAL_SECONDS a message in one channel) adds to a real post.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mktgops python benchmarks/rollover.py [--issues 5000]
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

TARGET_SECONDS = 5.0


def _setup_django() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mktgops_portal.settings")
    import django

    django.setup()


def _data(n: int):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from milestones.models import Milestone
    from requests_app.models import Issue, Stage

    users = get_user_model().objects
    requester = users.create(username="bench-requester")
    ics = [users.create(username=f"bench-ic-{i}", first_name=f"IC {i}") for i in range(12)]
    today = timezone.localdate()
    ended = Milestone.objects.create(
        title="Bench ended", start_date=today - datetime.timedelta(days=17), due_date=today - datetime.timedelta(days=4)
    )
    Milestone.objects.create(
        title="Bench current",
        start_date=today - datetime.timedelta(days=3),
        due_date=today + datetime.timedelta(days=10),
    )
    stages = [s for s in Stage.values if s != Stage.COMPLETED]
    issues = [
        Issue(
            requester=requester,
            title=f"Bench issue {i} " + "x" * 40,
            milestone=ended,
            stage=stages[i % len(stages)],
            assignee=ics[i % len(ics)] if i % 9 else None,
            confidential=i % 10 == 0,
            rollover_reason=f"Waiting on the vendor, batch {i}" if i % 2 else "",
            rollover_reason_by=ics[i % len(ics)] if i % 2 else None,
            position=i,
        )
        for i in range(n)
    ]
    # A fifth as many Completed issues, which stay.
    issues += [
        Issue(requester=requester, title=f"Done {i}", milestone=ended, stage=Stage.COMPLETED, position=n + i)
        for i in range(n // 5)
    ]
    Issue.objects.bulk_create(issues, batch_size=1000)
    return ended


def run_rollover_bench(n: int = 5000, report=print) -> dict:
    """Create `n` open issues in an ended milestone in a throwaway database and time their rollover."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment, teardown_test_environment

    from rollover.models import Rollover
    from rollover.services import (
        rollover_finish,
        rollover_get_or_create,
        rollover_move_issues,
        rollover_post_next_reply,
        rollover_post_parent,
    )

    settings.SLACK_BOT_TOKEN = ""  # the outbox: a benchmark never reaches Slack
    pace = float(settings.SLACK_MIN_INTERVAL_SECONDS)
    settings.SLACK_MIN_INTERVAL_SECONDS = 0
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        ended = _data(n)
        rollover = rollover_get_or_create(milestone=ended)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            rollover_move_issues(rollover=rollover)
        db_seconds = time.perf_counter() - started

        started = time.perf_counter()
        rollover_post_parent(rollover=rollover)
        while rollover_post_next_reply(rollover=rollover) is not None:
            pass
        rollover = rollover_finish(rollover=rollover)
        post_seconds = time.perf_counter() - started
        messages = 1 + rollover.replies.count()
        result = {
            "vendor": connection.vendor,
            "issues_moved": Rollover.objects.get(pk=rollover.pk).moved_count,
            "db_seconds": round(db_seconds, 3),
            "db_queries": len(queries),
            "slack_messages": messages,
            "outbox_post_seconds": round(post_seconds, 3),
            "slack_pacing_seconds": round((messages - 1) * pace, 1),
            "target_seconds": TARGET_SECONDS,
            "within_target": db_seconds < TARGET_SECONDS,
        }
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    report(
        f"rollover of {result['issues_moved']} issues on {result['vendor']}: database {result['db_seconds']}s "
        f"in {result['db_queries']} queries (target < {TARGET_SECONDS}s: "
        f"{'ok' if result['within_target'] else 'MISSED'}); thread of {messages} messages posted to the outbox in "
        f"{result['outbox_post_seconds']}s; Slack's pace adds {result['slack_pacing_seconds']}s "
        f"({pace:g}s a message after the first) when posting to Slack itself"
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=5000)
    args = parser.parse_args()
    _setup_django()
    result = run_rollover_bench(args.issues)
    return 0 if result["within_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
