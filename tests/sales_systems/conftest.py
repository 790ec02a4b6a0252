import pytest

from labels.services import PRIO_ORDER, SYSTEMS_REQUEST
from tests import factories as f


@pytest.fixture
def prio_labels(db):
    return {name: f.LabelFactory(name=name) for name in [SYSTEMS_REQUEST, *PRIO_ORDER]}
