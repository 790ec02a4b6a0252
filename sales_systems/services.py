from django.db import transaction

from accounts.roles import user_is_mktgops
from labels.models import Label
from labels.services import PRIO_ORDER
from mktgops_portal.errors import Forbidden, Invalid
from requests_app.models import Issue
from requests_app.services import labels_attach
from sales_systems.models import FastTrack, SystemsRequest


@transaction.atomic
def systems_request_advance(*, issue: Issue, to: str, by) -> Issue:
    """Put the next `MktgOpsPrio::` label on the issue; the labels service refuses skipped steps."""
    if not user_is_mktgops(by):
        raise Forbidden("Only MktgOps team members move Sales Systems requests through prioritisation.")
    if to not in PRIO_ORDER:
        raise Invalid(f"Unknown prioritisation step {to!r}.")
    label = Label.objects.filter(name=to).first()
    if label is None:
        raise Invalid(f"The label {to} does not exist yet: seed the taxonomy (manage.py seed_taxonomy).")
    labels_attach(issue=issue, labels=[label], by=by)
    return issue


@transaction.atomic
def systems_request_set_fast_track(*, issue: Issue, fast_track: str, by) -> SystemsRequest:
    if not user_is_mktgops(by):
        raise Forbidden("Only MktgOps team members set the fast-track kind.")
    if fast_track not in FastTrack.values:
        raise Invalid(f"Unknown fast-track kind {fast_track!r}.")
    request, _ = SystemsRequest.objects.select_for_update().get_or_create(issue=issue)
    request.fast_track = fast_track
    request.save(update_fields=["fast_track"])
    return request
