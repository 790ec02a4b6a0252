from django.db import models


class FastTrack(models.TextChoices):
    """The handbook's fast-track requests and their SLA with Sales Systems."""

    NONE = "", "Not fast track (prioritised on the weekly call)"
    PERMISSION_SET = "permission_set", "Permission set only (72 hours)"
    NEW_FIELD = "new_field", "New field creation (1 week)"


class SystemsRequest(models.Model):
    """Sales Systems details of an issue labelled `MktgOps/Systems-Request`.

    The prioritisation step itself is the issue's `MktgOpsPrio::` label, and the moment it was
    requested is when that label was added (the timeline); only the fast-track kind lives here.
    """

    issue = models.OneToOneField("requests_app.Issue", on_delete=models.CASCADE, related_name="systems_request")
    fast_track = models.CharField(max_length=20, choices=FastTrack.choices, blank=True)

    def __str__(self) -> str:
        return f"Sales Systems request for #{self.issue_id}"
