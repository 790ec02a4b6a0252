from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from slack_messages.selectors import outbox_threads
from slack_messages.services import slack_is_live


@login_required
def outbox(request):
    # The outbox holds what would have gone to Slack, confidential context included: staff only.
    if not request.user.is_staff:
        raise PermissionDenied("The Slack outbox is for administrators.")
    return render(
        request, "slack_messages/outbox.html", {"threads": outbox_threads(), "slack_is_live": slack_is_live()}
    )
