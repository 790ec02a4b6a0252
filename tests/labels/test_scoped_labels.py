import pytest

from labels.models import Label, label_scope
from labels.services import LabelError
from requests_app.models import IssueEvent
from requests_app.services import labels_attach, labels_set
from tests import factories as f


@pytest.mark.parametrize(
    ("name", "scope"),
    [
        ("MktgOpsPriority::High", "MktgOpsPriority"),
        ("MktgOps::04: In Progress", "MktgOps"),
        ("a::b::c", "a::b"),
        ("MktgOps - bug", ""),
        ("MktgOps/Systems-Request", ""),
    ],
)
def test_scope_is_everything_before_the_last_double_colon(name, scope):
    assert label_scope(name) == scope
    assert Label(name=name).scope == scope


def test_adding_a_scoped_label_replaces_the_other_of_its_scope(db, ic_user):
    high, low = f.LabelFactory(name="MktgOpsPriority::High"), f.LabelFactory(name="MktgOpsPriority::Low")
    issue = f.IssueFactory()
    labels_attach(issue=issue, labels=[low], by=ic_user)

    labels_attach(issue=issue, labels=[high], by=ic_user)

    assert list(issue.labels.values_list("name", flat=True)) == ["MktgOpsPriority::High"]
    events = list(IssueEvent.objects.filter(issue=issue).values_list("kind", "old_value", "new_value"))
    assert ("label_removed", "MktgOpsPriority::Low", "") in events
    assert ("label_added", "", "MktgOpsPriority::High") in events


def test_nested_scopes_are_separate(db, ic_user):
    a, b = f.LabelFactory(name="team::a::x"), f.LabelFactory(name="team::y")
    issue = f.IssueFactory()
    labels_attach(issue=issue, labels=[a, b], by=ic_user)
    assert issue.labels.count() == 2


def test_unscoped_labels_stack(db, ic_user):
    marketo, bizible = f.LabelFactory(name="Marketo"), f.LabelFactory(name="Bizible")
    issue = f.IssueFactory()
    labels_attach(issue=issue, labels=[marketo], by=ic_user)
    labels_attach(issue=issue, labels=[bizible], by=ic_user)
    assert sorted(issue.labels.values_list("name", flat=True)) == ["Bizible", "Marketo"]


def test_two_labels_of_one_scope_at_once_are_refused(db, ic_user):
    high, low = f.LabelFactory(name="MktgOpsPriority::High"), f.LabelFactory(name="MktgOpsPriority::Low")
    issue = f.IssueFactory()
    with pytest.raises(LabelError, match="share the scope MktgOpsPriority::"):
        labels_attach(issue=issue, labels=[high, low], by=ic_user)
    assert issue.labels.count() == 0


def test_stage_labels_cannot_be_attached(db, ic_user):
    stage = f.LabelFactory(name="MktgOps::04: In Progress")
    issue = f.IssueFactory()
    with pytest.raises(LabelError, match="stage label"):
        labels_attach(issue=issue, labels=[stage], by=ic_user)
    assert issue.labels.count() == 0


def test_labels_set_replaces_the_whole_set(db, ic_user):
    marketo, bizible, high = (f.LabelFactory(name=n) for n in ["Marketo", "Bizible", "MktgOpsPriority::High"])
    issue = f.IssueFactory()
    labels_attach(issue=issue, labels=[marketo, bizible], by=ic_user)
    labels_set(issue=issue, labels=[bizible, high], by=ic_user)
    assert sorted(issue.labels.values_list("name", flat=True)) == ["Bizible", "MktgOpsPriority::High"]
