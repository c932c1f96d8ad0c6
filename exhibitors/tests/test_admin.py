"""The units, products and needs lists of the admin: few, short columns that
fit a laptop beside the filters (issue 12), in the digits of the language."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.testing import sign_in_staff
from exhibitors.admin import quantity
from exhibitors.tests.factories import (
    category,
    make_exhibitor,
    make_need,
    make_product,
    park,
    province,
)
from fairs.tests.factories import make_organizer
from portal.tests.helpers import count_queries, in_language

pytestmark = pytest.mark.django_db

UNITS = reverse("admin:exhibitors_exhibitor_changelist")
PRODUCTS = reverse("admin:exhibitors_product_changelist")
NEEDS = reverse("admin:exhibitors_need_changelist")


@pytest.fixture
def organizer_client(client):
    sign_in_staff(client, make_organizer())
    return client


def rows(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode().split("<tbody>")[1].split("</tbody>")[0]


def test_a_unit_row_shows_its_names_national_id_isic_code_and_place(organizer_client):
    make_exhibitor(
        legal_name="شرکت کفش آزما (سهامی خاص)",
        brand="کفش آزما",
        national_id="10380284790",
        category=category("1520"),
        park=park(),
    )
    row = rows(organizer_client, UNITS)
    assert 'شرکت کفش آزما (سهامی خاص)<span class="cell-note">کفش آزما</span>' in row
    assert "۱۰۳۸۰۲۸۴۷۹۰" in row
    assert f'<span title="{category("1520").name_fa}">۱۵۲۰</span>' in row
    assert 'همدان<span class="cell-note">شهرک صنعتی بوعلی</span>' in row
    english = rows(in_language(organizer_client, "en"), UNITS)
    assert "10380284790" in english and ">1520</span>" in english


def test_products_and_needs_show_their_unit_isic_code_and_monthly_amount(organizer_client):
    unit = make_exhibitor(legal_name="شرکت کارتن‌سازی آزما", brand="کارتن‌سازی آزما")
    make_product(
        unit, category=category("1702"), monthly_amount=Decimal("1250.00"), amount_unit="kg"
    )
    make_need(
        unit,
        category=category("1702"),
        monthly_amount=Decimal("2.50"),
        amount_unit="ton",
        current_source_province=province("تهران"),
    )
    product = rows(organizer_client, PRODUCTS)
    assert '<span class="cell-clip" title="شرکت کارتن‌سازی آزما">کارتن‌سازی آزما</span>' in product
    assert "۱٬۲۵۰ کیلوگرم" in product and ">۱۷۰۲</span>" in product
    need = rows(organizer_client, NEEDS)
    assert "۲٫۵ تن" in need and "تهران" in need
    english = in_language(organizer_client, "en")
    assert "1,250 kg" in rows(english, PRODUCTS)
    assert "2.5 ton" in rows(english, NEEDS) and "Tehran" in rows(english, NEEDS)


def test_an_item_without_an_amount_or_a_category_shows_a_dash(organizer_client):
    make_need(make_exhibitor(), category=None)
    need = rows(organizer_client, NEEDS)
    assert need.count("—") == 3  # ISIC code, amount, where it is bought today


def test_the_lists_sort_by_their_short_columns_and_ignore_a_bad_sort(organizer_client):
    late = make_exhibitor(legal_name="شرکت ی", category=category("1520"))
    early = make_exhibitor(legal_name="شرکت الف", category=category("1702"))
    by_name = organizer_client.get(UNITS, {"o": "1"}).context["cl"].result_list
    assert list(by_name) == [early, late]
    by_isic = organizer_client.get(UNITS, {"o": "3"}).context["cl"].result_list
    assert list(by_isic) == [late, early]
    for bad in ("99", "x", "1.2"):
        response = organizer_client.get(UNITS, {"o": bad})
        assert response.status_code == 200
        assert set(response.context["cl"].result_list) == {early, late}


@pytest.mark.parametrize("url", [UNITS, PRODUCTS, NEEDS])
def test_the_lists_take_as_many_queries_for_one_row_as_for_many(organizer_client, url):
    def add():
        unit = make_exhibitor(park=park())
        make_product(unit, category=category("1702"), monthly_amount=5, amount_unit="kg")
        make_need(unit, category=category("1702"), current_source_province=province())

    add()
    one = count_queries(organizer_client, url)
    for _ in range(10):
        add()
    assert count_queries(organizer_client, url) == one


@pytest.mark.parametrize("url", [UNITS, PRODUCTS, NEEDS])
def test_units_and_strangers_do_not_reach_the_lists(stranger_client, url):
    response = stranger_client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    ("value", "english", "persian"),
    [
        (Decimal("3.00"), "3", "۳"),
        (Decimal("2.50"), "2.5", "۲٫۵"),
        (Decimal("1250.00"), "1,250", "۱٬۲۵۰"),
        (Decimal("1000"), "1,000", "۱٬۰۰۰"),
        (None, "—", "—"),
        (3, "3", "۳"),
    ],
)
def test_quantity_writes_a_number_as_the_language_does(value, english, persian):
    with translation.override("en"):
        assert quantity(value) == english
    with translation.override("fa"):
        assert quantity(value) == persian
