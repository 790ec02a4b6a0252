from django.core.management.base import BaseCommand

from milestones.selectors import milestone_rollover_target
from requests_app.models import Stage
from requests_app.selectors import issues_unfinished_in
from rollover.selectors import milestones_due_for_rollover


class Command(BaseCommand):
    help = "Roll over every ended milestone not yet rolled over (resuming any that stopped half-way)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would move and change nothing.")

    def handle(self, *args, dry_run=False, **options):
        from rollover.tasks import milestone_rollover_task

        due = list(milestones_due_for_rollover().select_related("rollover"))
        if not due:
            self.stdout.write("No ended milestone is waiting for its rollover.")
            return
        for milestone in due:
            rollover = milestone.rollover_or_none
            if dry_run:
                self._describe(milestone, rollover)
                continue
            outcome = milestone_rollover_task.apply(args=[milestone.pk]).get()
            milestone.refresh_from_db()
            rollover = milestone.rollover_or_none
            detail = f" ({rollover.last_error})" if rollover and rollover.last_error else ""
            self.stdout.write(f"{milestone.title}: {outcome}{detail}")

    def _describe(self, milestone, rollover):
        if rollover and rollover.moved_at:
            self.stdout.write(
                f"{milestone.title}: issues already moved ({rollover.moved_count}); would resume posting the "
                f"Slack thread (status {rollover.status})."
            )
            return
        target = milestone_rollover_target(milestone)
        where = target.title if target else "a new milestone for the next cadence period (would be created)"
        issues = list(issues_unfinished_in(milestone).select_related("assignee").order_by("pk"))
        self.stdout.write(f"{milestone.title}: would move {len(issues)} issue(s) to {where}")
        for issue in issues:
            who = issue.assignee.get_username() if issue.assignee else "unassigned"
            reason = issue.rollover_reason or "no reason given"
            self.stdout.write(f"  #{issue.pk} [{Stage(issue.stage).short}] {who}: {reason}")
        self.stdout.write("Dry run: nothing was changed.")
