"""In-app notifications, who watches which issue, and how each person wants to be told (issue 13)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    """What happened, from the recipient's side. The label completes "<actor> …"."""

    COMMENT = "comment", "commented on your request"
    WATCHED = "watched", "updated an issue you follow"
    MENTION = "mention", "mentioned you"
    ASSIGNED = "assigned", "assigned you"
    QUESTION = "question", "asked you a question"
    REPLIED = "replied", "answered the question"
    COMPLETED = "completed", "completed your request"
    CLOSED = "closed", "closed your request"
    ROLLED_OVER = "rolled_over", "rolled your request over"
    SIGNED_OFF = "signed_off", "signed off"


# By default everything comes by e-mail but the stream of changes on followed issues (that one is in-app only).
DEFAULT_EMAIL_KINDS = [k.value for k in Kind if k != Kind.WATCHED]


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issue = models.ForeignKey("requests_app.Issue", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # One line saying what changed ("moved it to 04: In Progress", the start of a comment). Never holds more of
    # the issue than the recipient may see: only people who may see the issue get a notification about it.
    text = models.CharField(max_length=300, blank=True)
    # Where on the issue page it happened: "comment-12", "move-7", "event-9" (the element's id), or "".
    anchor = models.CharField(max_length=32, blank=True)
    issue_title: str  # not a field: set per viewer by notifications.selectors.notifications_decorate
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Decided when it is created from the recipient's preferences: sent at once, or kept for the digest.
    wants_email = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on #{self.issue_id} for {self.recipient_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def target_path(self) -> str:
        """The issue page, at the comment or change (no host)."""
        path = self.issue.get_absolute_url()
        return f"{path}#{self.anchor}" if self.anchor else path

    @property
    def target_url(self) -> str:
        return f"{settings.SITE_URL}{self.target_path}"


class Watch(models.Model):
    """`user` follows `issue` (watching=True) or asked not to (False: automatic watching does not override it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    issue = models.ForeignKey("requests_app.Issue", on_delete=models.CASCADE, related_name="+")
    watching = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "issue"], name="unique_watch")]

    def __str__(self) -> str:
        return f"{self.user_id} {'watches' if self.watching else 'ignores'} #{self.issue_id}"


class NotificationPreference(models.Model):
    """Which kinds come by e-mail, and whether they come at once or in one daily digest."""

    # No accessor on User; the query name lets `services.watch_rows` read the watchers' preferences in its one query.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        related_query_name="notification_preference",
    )
    email_kinds = models.JSONField(default=list)
    daily_digest = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Preferences of {self.user_id}"
