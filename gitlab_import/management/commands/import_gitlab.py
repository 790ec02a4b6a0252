"""python manage.py import_gitlab SOURCE [--dry-run] [--since DATE] [--label-map FILE] [--url URL --project PATH]"""

import datetime
import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gitlab_import.label_map import label_map_parse
from gitlab_import.models import SourceKind
from gitlab_import.services import gitlab_import, import_reader
from mktgops_portal.errors import PortalError

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Import a GitLab project's issues, labels, milestones, notes and events: from an export file (.tar.gz), "
        "or from the API (SOURCE 'api' with --url and --project; token from GITLAB_TOKEN). Re-runs update, "
        "never duplicate. Exits 1 when any input was skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="a GitLab project export (.tar.gz), or 'api'")
        parser.add_argument("--dry-run", action="store_true", help="report what would change; change nothing")
        parser.add_argument("--since", type=datetime.date.fromisoformat, help="only issues updated on or after DATE")
        parser.add_argument("--label-map", type=Path, help='JSON {"source label": "portal label"} file')
        parser.add_argument("--url", default="", help="the GitLab instance (API)")
        parser.add_argument("--project", default="", help="the project's full path (API; overrides the export's)")
        parser.add_argument(
            "--instance",
            default="",
            help=f"the instance an export came from (default {settings.GITLAB_IMPORT_INSTANCE})",
        )

    def handle(self, *args, source, dry_run, since, label_map, url, project, instance, **options):
        mapping = {}
        if label_map is not None:
            try:
                mapping = label_map_parse(label_map.read_bytes(), where=str(label_map))
            except OSError as exc:
                raise CommandError(f"Cannot read the label map: {exc}") from exc
            except PortalError as exc:
                raise CommandError(exc.message) from exc
        if source == "api":
            kind, instance = SourceKind.API, instance or url.split("//")[-1].split("/")[0]
        else:
            kind, instance = SourceKind.EXPORT, instance or settings.GITLAB_IMPORT_INSTANCE
            if not os.path.isfile(source):
                raise CommandError(f"No such file: {source}")
        try:
            reader = import_reader(kind=kind, path=source, url=url, project=project, token=settings.GITLAB_TOKEN)
            summary = gitlab_import(
                reader=reader,
                instance=instance,
                project=project,
                dry_run=dry_run,
                since=since,
                label_map=mapping,
                progress=self._progress,
            )
        except PortalError as exc:
            raise CommandError(exc.message) from exc
        finally:
            self._end_bar()
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
        self.stdout.write(summary.table())
        if summary.skipped_count:
            raise CommandError(f"{summary.skipped_count} record(s) skipped; see above.", returncode=1)

    _bar_drawn = False

    def _progress(self, processed: int, total: int | None) -> None:
        """A progress bar on the terminal (stderr, so the summary on stdout stays clean to pipe)."""
        if not sys.stderr.isatty() and not os.environ.get("IMPORT_PROGRESS"):
            return
        if total:
            done = min(BAR_WIDTH, BAR_WIDTH * processed // total)
            bar = f"[{'#' * done}{'.' * (BAR_WIDTH - done)}] {processed}/{total}"
        else:
            bar = f"{processed} issues"
        self.stderr.write(f"\r{bar}", ending="")
        self.stderr.flush()
        self._bar_drawn = True

    def _end_bar(self) -> None:
        if self._bar_drawn:
            self.stderr.write("")
