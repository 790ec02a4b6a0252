import csv
from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from audit.models import AuditKind
from audit.services import audit_record
from mktgops_portal.spreadsheet import spreadsheet_text
from requests_app.selectors import CHANGELOG_LABELS, changelog_entries


def _month(issue) -> str:
    return timezone.localtime(issue.completed_at).strftime("%B %Y") if issue.completed_at else "Unknown"


@login_required
def changelog(request):
    entries = list(changelog_entries(request.user))
    months = [(month, list(items)) for month, items in groupby(entries, key=_month)]
    return render(request, "requests_app/changelog.html", {"months": months, "labels": CHANGELOG_LABELS})


@login_required
def changelog_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="marketing-changelog.csv"'
    writer = csv.writer(response)
    writer.writerow(["month", "completed_at", "issue", "title", "labels", "assignee", "url"])
    entries = list(changelog_entries(request.user))
    audit_record(kind=AuditKind.EXPORT, user=request.user, target_type="changelog", data={"rows": len(entries)})
    for issue in entries:
        names = [lbl.name for lbl in issue.labels.all() if lbl.name in CHANGELOG_LABELS]
        writer.writerow(
            [
                _month(issue),
                timezone.localtime(issue.completed_at).isoformat() if issue.completed_at else "",
                issue.pk,
                spreadsheet_text(issue.title),
                "; ".join(names),
                spreadsheet_text(issue.assignee.get_username()) if issue.assignee else "",
                issue.web_url,
            ]
        )
    return response
