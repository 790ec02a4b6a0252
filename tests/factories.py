import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.roles import MANAGERS_GROUP, MKTGOPS_GROUP
from labels.models import Label
from milestones.models import Milestone, state_by_dates
from requests_app.models import Comment, Issue, RequestType


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    password = factory.django.Password("pw")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get_or_create(name=name)[0])


def requester(**kwargs):
    return UserFactory(**kwargs)


def ic(**kwargs):
    return UserFactory(groups=[MKTGOPS_GROUP], **kwargs)


def manager(**kwargs):
    return UserFactory(groups=[MKTGOPS_GROUP, MANAGERS_GROUP], **kwargs)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    start_date = factory.Sequence(lambda n: datetime.date(2030, 1, 7) + datetime.timedelta(days=14 * n))
    due_date = factory.LazyAttribute(lambda m: m.start_date + datetime.timedelta(days=13))
    title = factory.LazyAttribute(lambda m: f"MktgOps {m.start_date:%Y-%m-%d}")
    closed_at = None
    # Where the calendar puts it today, as the cadence service creates them; closed when `closed_at` is given, as
    # the lifecycle migration reads it (a rolled-over one: `rolled_over_milestone`).
    state = factory.LazyAttribute(
        lambda m: "closed" if m.closed_at else state_by_dates(m.start_date, m.due_date, timezone.localdate())
    )


def current_milestone(**kwargs):
    today = timezone.localdate()
    return MilestoneFactory(
        start_date=today - datetime.timedelta(days=3), due_date=today + datetime.timedelta(days=10), **kwargs
    )


def future_milestone(**kwargs):
    today = timezone.localdate()
    return MilestoneFactory(
        start_date=today + datetime.timedelta(days=11), due_date=today + datetime.timedelta(days=24), **kwargs
    )


def past_milestone(**kwargs):
    today = timezone.localdate()
    return MilestoneFactory(
        start_date=today - datetime.timedelta(days=17), due_date=today - datetime.timedelta(days=4), **kwargs
    )


def rolled_over_milestone(ended_days_ago: int = 4, **kwargs):
    """An ended milestone whose rollover has finished: the one state a milestone can be closed from."""
    from milestones.models import MilestoneState
    from rollover.models import Rollover, RolloverStatus

    due = timezone.localdate() - datetime.timedelta(days=ended_days_ago)
    milestone = MilestoneFactory(
        start_date=due - datetime.timedelta(days=13), due_date=due, state=MilestoneState.ROLLED_OVER, **kwargs
    )
    Rollover.objects.create(
        milestone=milestone, to_milestone=MilestoneFactory(), status=RolloverStatus.DONE, moved_at=timezone.now()
    )  # type: ignore[misc]  # factory_boy is untyped: calling a Factory returns a Milestone
    return milestone


class LabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Label
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"label-{n}")
    color = "#1f75cb"


class IssueFactory(factory.django.DjangoModelFactory[Issue]):
    class Meta:
        model = Issue

    requester = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Request {n}")
    description = "Please help."
    request_type = RequestType.GENERAL

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # The stage is a protected FSM field: tests put an issue in a stage the way a fixture
        # loader would, by writing the column, never through attribute assignment.
        stage = kwargs.pop("stage", None)
        issue = super()._create(model_class, *args, **kwargs)
        if stage is not None:
            model_class.objects.filter(pk=issue.pk).update(stage=stage)
            issue.refresh_from_db()
        return issue


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    issue = factory.SubFactory(IssueFactory)
    author = factory.SubFactory(UserFactory)
    body = "A comment."


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "notifications.Notification"

    recipient = factory.SubFactory(UserFactory)
    actor = factory.SubFactory(UserFactory)
    issue = factory.SubFactory(IssueFactory)
    kind = "comment"
    text = "commented: hello"


class WatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "notifications.Watch"

    user = factory.SubFactory(UserFactory)
    issue = factory.SubFactory(IssueFactory)
    watching = True


class NotificationPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "notifications.NotificationPreference"

    user = factory.SubFactory(UserFactory)
    email_kinds = factory.LazyFunction(list)
    daily_digest = False
