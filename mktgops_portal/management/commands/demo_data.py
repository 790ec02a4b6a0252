import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from mktgops_portal.demo import demo_data_load


class Command(BaseCommand):
    help = "Create a demo MktgOps team, milestones and ~80 requests (does nothing once the demo team exists)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production", action="store_true",
            help="Run even with DEBUG off. The demo creates a superuser with a published password.",
        )  # fmt: skip

    def handle(self, *args, allow_production=False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "demo_data creates a superuser whose password is printed; it runs only with DEBUG=1 "
                "(or --allow-production)."
            )
        # The demo replays weeks of history: the requesters' stage e-mails would be noise, not news.
        celery_log = logging.getLogger("celery")
        level = celery_log.level
        celery_log.setLevel(logging.WARNING)  # nor the eager task runner's line per e-mail task
        try:
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
                result = demo_data_load()
        finally:
            celery_log.setLevel(level)
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(f"Demo data created: {result.issues} issues in {result.milestones} milestones.")
            )
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        site = settings.SITE_URL
        self.stdout.write(f"\nSign in at {site}/ as:\n")
        self.stdout.write(f"  {'username':<10} {'password':<18} role")
        for user in result.users:
            role = {"manager": "MktgOps manager (admin at /admin/)", "ic": "MktgOps IC"}.get(user.role, "requester")
            self.stdout.write(f"  {user.username:<10} {user.password:<18} {role} — {user.team}")
