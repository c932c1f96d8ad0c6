"""field__among (portal/lib/lookups.py): the rows whose field is one of a list of ids."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exhibitors.models import Exhibitor, Product
from exhibitors.tests.factories import make_exhibitor, make_product

pytestmark = pytest.mark.django_db


def test_among_finds_the_listed_rows_and_their_children():
    a, b, c = (make_exhibitor(legal_name=f"تولیدی {n}") for n in ["الف", "ب", "پ"])
    make_product(a, name="کارتن")
    make_product(c, name="ورق")
    listed = [a.pk, c.pk, *range(10**6, 10**6 + 3000)]
    assert set(Exhibitor.objects.filter(pk__among=listed)) == {a, c}
    assert {p.exhibitor_id for p in Product.objects.filter(exhibitor__among=listed)} == {a.pk, c.pk}
    assert not Exhibitor.objects.filter(pk__among=[]).exists()
    assert set(Exhibitor.objects.exclude(pk__among=[a.pk])) >= {b, c}
    assert a not in Exhibitor.objects.exclude(pk__among=[a.pk])


def test_among_is_one_parameter_on_postgresql():
    unit = make_exhibitor()
    with CaptureQueriesContext(connection) as queries:
        list(Exhibitor.objects.filter(pk__among=[unit.pk, *range(10**6, 10**6 + 500)]))
    sql = queries.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and " IN (" not in sql  # one array, not 501 parameters
    else:
        assert " IN (" in sql


def test_among_refuses_what_is_not_an_id():
    with pytest.raises((TypeError, ValueError)):
        list(Exhibitor.objects.filter(pk__among=["1; DROP TABLE x"]))


def test_among_takes_strings_for_a_text_field():
    make_exhibitor(legal_name="الف")
    make_exhibitor(legal_name="ب")
    found = Exhibitor.objects.filter(legal_name__among=["الف", "پ"])
    assert set(found.values_list("legal_name", flat=True)) == {"الف"}
