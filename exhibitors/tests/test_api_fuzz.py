"""schemathesis against /api/v1/schema/ (issue 13, item 10): generated requests, in
process through Django's WSGI handler, at a small size. Every answer must be no
server error, a status the document lists, JSON, and match its schema; a
request the document calls invalid must be refused (4xx).

Deterministic (``derandomize``): the same requests on every run, so that CI
cannot pass one day and fail the next on luck. At 30 examples an operation in
each of schemathesis' phases (its examples, coverage of edge values, then
fuzzing) it takes a few seconds.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from exhibitors.openapi import document
from exhibitors.tests.factories import category, make_exhibitor, make_need, make_product, park
from fairs.tests.factories import make_booth, make_fair, make_hall, make_participation

EXAMPLES = 30
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.negative_data_rejection,
]


# The document that /api/v1/schema/ serves (test_openapi.py checks that it is this),
# built here rather than fetched at collection, and sent to the portal's own handler.
schema = schemathesis.openapi.from_dict(document())
schema.app = get_wsgi_application()


@pytest.fixture
def in_the_tests_transaction(db):
    """The portal's handler, called straight, as Django's test client calls it: without
    closing the database connection at each request's start and end (which would drop
    the test's transaction, and its rows, on PostgreSQL)."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def listed(in_the_tests_transaction):
    """Something to find: units with products, a park, a booth, and one without either."""
    unit = make_exhibitor(legal_name="کارتن الوند", park=park())
    make_product(unit, name="کارتن پنج‌لایه", category=category("1702"))
    make_need(unit, name="کاغذ کرافت")
    make_product(make_exhibitor(legal_name="دباغی نمونه"), name="چرم", category=None)
    fair = make_fair(slug="hamedan-10")
    make_participation(fair, unit, booth=make_booth(make_hall(fair, "A"), "A-05"))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_the_api_holds_against_generated_requests(case, listed):
    # The WSGI client does not decompress: ask for the answer uncompressed (the
    # portal gzips JSON for clients that accept it, as Django's test client does not).
    case.call_and_validate(headers={"Accept-Encoding": "identity"}, checks=CHECKS)
