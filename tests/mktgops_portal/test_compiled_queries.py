"""A compiled query answers what its queryset answers, compiles once per connection, and refuses shapes it
cannot replay faithfully."""

import datetime

import pytest
from django.db import DatabaseError, connections, transaction
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.db.models.sql.compiler import SQLCompiler, SQLInsertCompiler, SQLUpdateCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mktgops_portal.compiled_queries import CompiledInsert, CompiledQuery, CompiledUpdate, statement_sql
from notifications.models import Notification, Watch
from requests_app.models import Issue, IssueTransition
from tests import factories

pytestmark = pytest.mark.django_db


ISSUE_WITH_PLANNING = CompiledQuery(
    lambda pk: Issue.objects.select_related("assignee", "milestone").filter(pk=pk),
)
WATCHERS = CompiledQuery(
    lambda issue_id: (
        Watch.objects.filter(issue_id=issue_id)
        .order_by("user_id")
        .values_list("user_id", "user__email", "watching", "user__notification_preference__email_kinds")
    ),
)


def test_instances_are_the_querysets_with_their_relations_loaded(ic_user, django_assert_num_queries):
    milestone = factories.current_milestone()
    planned = factories.IssueFactory(assignee=ic_user, milestone=milestone, weight=3, title="Planned")
    unplanned = factories.IssueFactory(title="Unplanned")

    with django_assert_num_queries(1):
        [issue] = ISSUE_WITH_PLANNING.fetch(planned.pk)
        assert issue.assignee.username == ic_user.username  # loaded with the row: no second query
        assert issue.milestone.due_date == milestone.due_date
    orm = Issue.objects.select_related("assignee", "milestone").get(pk=planned.pk)
    for field in Issue._meta.concrete_fields:
        assert getattr(issue, field.attname) == getattr(orm, field.attname), field.name
    assert issue._state.adding is False
    assert issue._state.db == "default"

    with django_assert_num_queries(1):
        [other] = ISSUE_WITH_PLANNING.fetch(unplanned.pk)  # the new value, not the first one's rows
        assert other.title == "Unplanned"
        assert other.assignee is None
        assert other.milestone is None
    assert ISSUE_WITH_PLANNING.fetch(unplanned.pk + planned.pk + 1000) == []


def test_values_list_rows_are_the_querysets_converted_values(requester_user, ic_user):
    issue = factories.IssueFactory(requester=requester_user)
    factories.WatchFactory(issue=issue, user=requester_user)
    factories.WatchFactory(issue=issue, user=ic_user, watching=False)
    factories.NotificationPreferenceFactory(user=ic_user, email_kinds=["mention"])

    rows = WATCHERS.fetch(issue.pk)

    assert rows == list(WATCHERS.build(issue.pk))  # the ORM's own answer, JSON decoded and NULLs as None
    assert rows == [
        (requester_user.pk, requester_user.email, True, None),
        (ic_user.pk, ic_user.email, False, ["mention"]),
    ]


def test_it_compiles_once_per_connection(ic_user, monkeypatch):
    first, second = factories.IssueFactory(), factories.IssueFactory()
    query = CompiledQuery(lambda pk: Issue.objects.filter(pk=pk))
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or original(self, *a, **k))

    assert [i.pk for i in query.fetch(first.pk)] == [first.pk]
    assert [i.pk for i in query.fetch(second.pk)] == [second.pk]
    assert len(compiled) == 1
    assert query._by_connection.get(connections["default"]) is not None


@pytest.mark.parametrize(
    ("build", "why"),
    [
        (lambda pk: Issue.objects.filter(pk=pk, requester_id=pk), "2 times"),  # a value used twice
        (lambda pk: Issue.objects.filter(weight=pk), "compile to SQL"),  # a positive-only field: no SQL at all
        (lambda pk: Issue.objects.filter(weight=1), "0 times"),  # never used: the value would be ignored
        (lambda pk: Issue.objects.filter(pk=pk).values_list("pk", flat=True), "model instances or values_list"),
        (lambda pk: Issue.objects.filter(pk=pk).values("pk"), "model instances or values_list"),
    ],
)
def test_shapes_it_cannot_replay_are_refused_on_first_use(build, why):
    with pytest.raises(ValueError, match=why):
        CompiledQuery(build).fetch(1)


def test_a_compiled_update_writes_what_save_writes(ic_user):
    issue = factories.IssueFactory(title="Before", weight=2, assignee=ic_user)
    untouched = factories.IssueFactory(title="Other", weight=5)
    update = CompiledUpdate(Issue)
    stamp = timezone.now() - datetime.timedelta(days=3)

    issue_position_before = issue.position
    issue.title, issue.weight, issue.assignee = "After", None, None
    issue._now = stamp  # the service clock: `updated_at` takes it through its pre_save, as save() would
    update.save(issue, ["title", "weight", "assignee", "updated_at"])
    issue.position = F("position") + 7
    update.save(issue, ["position"])

    saved = Issue.objects.get(pk=issue.pk)
    assert (saved.title, saved.weight, saved.assignee_id, saved.updated_at) == ("After", None, None, stamp)
    assert saved.position == issue_position_before + 7
    assert Issue.objects.get(pk=untouched.pk).title == "Other"


def test_a_compiled_update_compiles_once_per_shape(ic_user, monkeypatch):
    first, second = factories.IssueFactory(), factories.IssueFactory()
    update = CompiledUpdate(Issue)
    compiled = []
    original = SQLUpdateCompiler.as_sql
    monkeypatch.setattr(SQLUpdateCompiler, "as_sql", lambda self: compiled.append(1) or original(self))

    for issue, weight in ((first, 1), (second, 2), (first, 3)):
        issue.weight = weight
        update.save(issue, ["weight"])
    assert len(compiled) == 1
    first.weight = None  # `weight = NULL` is another statement
    update.save(first, ["weight"])
    assert len(compiled) == 2
    assert Issue.objects.get(pk=second.pk).weight == 2
    assert Issue.objects.get(pk=first.pk).weight is None


def test_a_compiled_update_refuses_a_missing_row_and_a_changed_expression():
    issue = factories.IssueFactory()
    update = CompiledUpdate(Issue)
    issue.position = RawSQL("%s", (5,))
    update.save(issue, ["position"])
    issue.position = RawSQL("%s + 1", (5,))
    with pytest.raises(ValueError, match="other SQL"):
        update.save(issue, ["position"])

    gone = Issue(pk=issue.pk + 1000, weight=1)
    with pytest.raises(DatabaseError):
        update.save(gone, ["weight"])


def test_a_compiled_insert_writes_what_save_writes_and_sets_the_key(ic_user, monkeypatch):
    issue = factories.IssueFactory()
    insert = CompiledInsert(IssueTransition)
    compiled = []
    original = SQLInsertCompiler.as_sql
    monkeypatch.setattr(SQLInsertCompiler, "as_sql", lambda self: compiled.append(1) or original(self))

    first = IssueTransition(issue=issue, by=ic_user, from_stage="00", to_stage="02", reason="Ready")
    insert.insert(first)
    second = IssueTransition(issue=issue, by=None, from_stage="02", to_stage="03")
    insert.insert(second)

    assert len(compiled) == 1
    assert first.pk is not None
    assert second.pk > first.pk
    assert first._state.adding is False
    saved = IssueTransition.objects.get(pk=second.pk)
    assert (saved.issue_id, saved.by_id, saved.from_stage, saved.to_stage) == (issue.pk, None, "02", "03")
    assert (saved.reason, saved.imported) == ("", False)  # the model's defaults, as save() writes them
    assert saved.at == second.at
    assert list(IssueTransition.objects.filter(pk=first.pk).values_list("reason", "by_id")) == [("Ready", ic_user.pk)]


def test_a_compiled_insert_of_several_rows_sets_every_key_and_many_go_through_bulk_create(ic_user):
    issue = factories.IssueFactory()
    insert = CompiledInsert(Notification)
    people = [factories.requester(username=f"r{i}") for i in range(3 + CompiledInsert.MAX_ROWS + 1)]

    def rows(users):
        return [Notification(recipient=u, actor=ic_user, issue=issue, kind="watched", text=u.username) for u in users]

    few = rows(people[:3])
    insert.insert(*few)
    many = rows(people[3:])  # more than MAX_ROWS: the ORM's bulk_create
    insert.insert(*many)

    for written in (*few, *many):
        assert written.pk is not None
        assert Notification.objects.get(pk=written.pk).text == written.recipient.username
    assert Notification.objects.count() == len(people)
    assert insert._by_connection[connections["default"]].keys() == {3}


def test_on_postgresql_it_is_prepared_once_per_session_and_logs_read_as_their_sql(requires_postgres):
    issue = factories.IssueFactory(title="Prepared")
    query = CompiledQuery(lambda pk: Issue.objects.filter(pk=pk))
    assert [i.title for i in query.fetch(issue.pk)] == ["Prepared"]
    statement = query._by_connection[connections["default"]].statement

    with CaptureQueriesContext(connections["default"]) as captured:
        assert [i.title for i in query.fetch(issue.pk)] == ["Prepared"]
    [logged] = [q["sql"] for q in captured.captured_queries]
    assert logged.startswith(f"EXECUTE {statement.name}(")  # the server parses and plans it no more
    assert statement_sql(logged) == statement.sql
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [statement.name])
        assert cursor.fetchone() == (1,)


def test_on_postgresql_a_statement_it_cannot_prepare_runs_as_plain_sql_and_spoils_nothing(requires_postgres):
    issue = factories.IssueFactory(title="Plain")
    # `$1 IS NULL`: nothing tells PostgreSQL the parameter's type, so PREPARE fails.
    query = CompiledQuery(lambda value: Issue.objects.annotate(gone=RawSQL("%s IS NULL", (value,))).filter(pk=issue.pk))

    with transaction.atomic():
        [found] = query.fetch(7)
        assert (found.title, found.gone) == ("Plain", False)
        assert Issue.objects.get(pk=issue.pk).title == "Plain"  # the transaction is still usable
    assert query._by_connection[connections["default"]].statement.preparable is False
