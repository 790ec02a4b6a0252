"""E-mails to requesters: when MktgOps needs more information, and when their request is completed."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from requests_app.models import Issue, Stage

SUBJECTS: dict[str, str] = {
    Stage.NEEDS_INFO: "MktgOps needs more information on #{pk}: {title}",
    Stage.COMPLETED: "MktgOps completed #{pk}: {title}",
}


def issue_stage_email_send(*, issue_id: int, to_stage: str, reason: str = "") -> bool:
    issue = Issue.objects.select_related("requester").filter(pk=issue_id).first()
    if issue is None or to_stage not in SUBJECTS or not issue.requester.email:
        return False
    # Who made the move, so the requester knows whom they are answering.
    last_move = issue.transitions.filter(to_stage=to_stage).select_related("by").order_by("-at", "-pk").first()
    mover = (last_move.by.get_full_name() or last_move.by.get_username()) if last_move and last_move.by else ""
    context = {
        "issue": issue,
        "reason": reason,
        "stage": Stage(to_stage),
        "site_url": settings.SITE_URL,
        "mover": mover,
    }
    send_mail(
        # One header line whatever the title holds (a line break in a header refuses the whole e-mail).
        subject=" ".join(SUBJECTS[to_stage].format(pk=issue.pk, title=issue.title).split())[:200],
        message=render_to_string("emails/issue_stage.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[issue.requester.email],
    )
    return True
