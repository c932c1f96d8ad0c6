import pytest

from exhibitors.tests.factories import (
    category,
    make_exhibitor,
    make_need,
    make_product,
    park,
    province,
)
from fairs.models import Fair
from fairs.tests.factories import make_booth, make_fair, make_hall, make_participation
from portal.tests.helpers import count_queries, in_language

pytestmark = pytest.mark.django_db


def test_the_exhibitor_page_shows_what_it_makes_needs_its_booth_park_and_county(stranger_client):
    client = stranger_client
    unit = make_exhibitor(legal_name="شرکت کارتن‌سازی الوند", park=park())
    make_product(unit, name="کارتن پنج لایه", monthly_amount=12500, amount_unit="piece")
    make_need(unit, name="کاغذ کرافت", current_source_province=province("اصفهان"))
    fair = make_fair(title_fa="دهمین نمایشگاه")
    make_participation(
        fair, unit, booth=make_booth(make_hall(fair, "A", name_fa="سالن الف"), "A-04")
    )

    page = client.get(unit.get_absolute_url()).content.decode()
    for text in ["کارتن پنج لایه", "کاغذ کرافت", "A-04", "سالن الف", "دهمین نمایشگاه"]:
        assert text in page
    assert "شهرک صنعتی بوعلی" in page and "همدان" in page
    assert "۱۲٬۵۰۰" in page  # Persian digits, grouped
    assert "اصفهان" in page


def test_a_visitor_sees_what_a_unit_makes_but_not_what_it_needs(client):
    unit = make_exhibitor()
    make_product(unit, name="کارتن پنج لایه")
    make_need(unit, name="کاغذ کرافت")
    page = client.get(unit.get_absolute_url()).content.decode()
    assert "کارتن پنج لایه" in page
    assert "کاغذ کرافت" not in page
    assert f"/accounts/login/?next=/exhibitors/{unit.pk}/" in page


def test_in_english_the_page_uses_english_names_and_ascii_digits(client):
    unit = make_exhibitor(park=park(), category=category("1520"))
    make_product(unit, name="کفش", monthly_amount=1250, amount_unit="pair")
    page = in_language(client, "en").get(unit.get_absolute_url()).content.decode()
    assert "Bu-Ali Industrial Park" in page and "Manufacture of footwear" in page
    assert "1,250" in page


def test_a_booth_at_a_draft_fair_is_not_shown(client):
    unit = make_exhibitor()
    fair = make_fair(status=Fair.Status.DRAFT, title_fa="پیش‌نویس محرمانه")
    make_participation(fair, unit)
    assert "پیش‌نویس محرمانه" not in client.get(unit.get_absolute_url()).content.decode()


@pytest.mark.parametrize("path", ["/exhibitors/999999/", "/exhibitors/abc/", "/exhibitors/۱۲/"])
def test_an_unknown_exhibitor_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_the_exhibitor_page_query_count_stays_flat_as_products_needs_and_booths_grow(
    stranger_client,
):
    client = stranger_client
    unit = make_exhibitor()
    make_product(unit)
    make_need(unit)
    fair = make_fair()
    hall = make_hall(fair)
    make_participation(fair, unit, booth=make_booth(hall, "A-0"))
    make_participation(fair, booth=make_booth(hall, "B-0", x=3))
    few = count_queries(client, unit.get_absolute_url())
    for i in range(1, 15):
        neighbour = make_exhibitor()
        make_product(neighbour)
        make_need(neighbour)
        make_participation(fair, neighbour, booth=make_booth(hall, f"B-{i}", x=3 * i + 3))
        make_product(unit, name=f"محصول {i}", category=category())
        make_need(unit, name=f"نیاز {i}", current_source_province=province())
        fair = make_fair()
        make_participation(fair, unit, booth=make_booth(make_hall(fair), f"A-{i}"))
    assert count_queries(client, unit.get_absolute_url()) == few
