from django.core.management.base import BaseCommand

from labels.services import taxonomy_seed


class Command(BaseCommand):
    help = "Load the handbook's labels, Slack channel rules, Initial Source values and lead statuses (idempotent)."

    def handle(self, *args, **options):
        result = taxonomy_seed()
        for what, counts in result.parts().items():
            self.stdout.write(f"{what}: {counts}")
        if result.changed:
            self.stdout.write(self.style.SUCCESS("Taxonomy seeded."))
        else:
            self.stdout.write("Taxonomy already up to date; nothing changed.")
