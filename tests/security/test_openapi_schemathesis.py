"""Issue 12 case 11: the OpenAPI document is true to the API. Schemathesis generates requests for every
operation of /api/schema/ and checks each answer against it (status documented, body matching its schema,
no 5xx), signed in as a requester and as an IC, through the WSGI app in this process."""

from contextlib import contextmanager

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from requests_app.services import attachment_create
from tests import factories as f
from tests.requests_app.conftest import csv_bytes, lead

# Bounded: the suite's budget. About 12 operations × 2 roles × this many examples.
MAX_EXAMPLES = 10
# Body fields naming other rows (a username, a milestone id, label names): a well-formed value that names
# nothing is a 400 the schema cannot foresee. Any other 400 on schema-valid data is the schema lying.
REFERENCE_FIELDS = {"assignee", "milestone", "labels", "business_owner"}


def _accepted_or_names_a_missing_row(case, response):
    """positive_data_acceptance for writes: a 400 on schema-valid input is allowed when it is a domain rule's
    refusal (its own code) or names a row that does not exist; a plain field-validation 400 is the schema lying."""
    if case.method.upper() == "GET" or response.status_code != 400:
        return
    mode = getattr(getattr(getattr(case, "meta", None), "generation", None), "mode", None)
    if mode is not None and "negative" in str(mode).lower():
        return  # generated to be refused
    body = response.json()
    if body.get("code") != "invalid":
        return  # a domain rule with its own code (a date in the past, a link to itself): not the schema's to say
    errors = body.get("errors") or {}
    refused = f"schema-valid {case.method} {case.path} refused: {response.text}"
    assert errors, refused
    assert set(errors) <= REFERENCE_FIELDS, refused


@contextmanager
def keep_the_test_connection():
    """The WSGI app closes the database connection after each request (Django's request signals); the test
    client stops that, and so must we, or the test's transaction ends with the first request (PostgreSQL).
    (The test client connects them again after each of its own requests: enter this after using it.)"""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_data(db, requester_user, ic_user):
    milestone = f.current_milestone()
    f.LabelFactory(name="MktgOpsPriority::Low")
    mine = f.IssueFactory(requester=requester_user, title="Open request", milestone=milestone, weight=3)
    secret = f.IssueFactory(requester=ic_user, confidential=True, title="Hidden from the requester")
    attachment_create(issue=mine, name="list.csv", content=csv_bytes([lead(1)]), by=requester_user, rows=1)
    return {"issues": [mine, secret]}


def _schema_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    raw = client.get("/api/schema/", {"format": "json"}).json()
    config = SchemathesisConfig()
    # NUL characters are refused with a 400 by every text field (Django's rule); the schema cannot say so.
    config.projects.default.generation.update(allow_x00=False)
    schema = schemathesis.openapi.from_dict(raw, config=config)
    schema.app = get_wsgi_application()
    return schema


@pytest.mark.parametrize("role", ["requester", "ic"])
def test_every_api_operation_answers_as_the_schema_says(api_data, requester_user, ic_user, role):
    user = requester_user if role == "requester" else ic_user
    headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    schema = _schema_for(user)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    failures = []
    for operation in operations:

        @hypothesis.settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
        @hypothesis.given(case=operation.as_strategy())
        def check(case):
            # ignored_auth swaps the generated credentials for bad ones, but ours ride in a header it keeps;
            # signed-out access is the route matrix's subject (tests/security/test_route_matrix.py).
            # Writes: positive acceptance with the allowance above; reads: schemathesis's own check, strictly.
            excluded = [ignored_auth] if case.method.upper() == "GET" else [ignored_auth, positive_data_acceptance]
            response = case.call(headers=headers)
            case.validate_response(response, excluded_checks=excluded)
            _accepted_or_names_a_missing_row(case, response)

        try:
            with keep_the_test_connection():
                check()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected so one run reports every operation that disagrees
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)
