"""A search that finds no supplier: what it says and offers, and "add this as a need"."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from exhibitors import services
from exhibitors.models import Membership, Need
from exhibitors.tests.factories import category, hamedan, make_exhibitor, make_need, make_product
from matching.models import Match
from portal.tests.helpers import count_queries, in_language

pytestmark = pytest.mark.django_db

ADD = reverse("self:need_from_search")


def offer(response):
    return response.context["nothing"]


def said(response):
    """The messages waiting for the next page, the newest last."""
    return [str(m) for m in response.wsgi_request._messages]


def test_nobody_supplies_it_yet_though_units_need_it(stranger_client):
    client = stranger_client
    for _ in range(2):
        make_need(make_exhibitor(), name="پیچ و مهره", category=category("2599"))
    make_need(make_exhibitor(), name="پيچ گوشتي")  # Arabic letters: the same word
    make_product(make_exhibitor(), name="کارتن")
    response = in_language(client, "en").get(reverse("suppliers"), {"q": "پیچ"})
    page = response.content.decode()
    assert offer(response)["needed_by"] == 3
    assert "No supplier found for “<bdi>پیچ</bdi>”." in page
    assert "Nobody supplies “<bdi>پیچ</bdi>” yet, though 3 units need it." in page
    assert "products found" not in page  # said once, plainly
    # A unit that needs it twice counts once.
    make_need(Need.objects.first().exhibitor, name="پیچ خودکار")
    assert offer(client.get(reverse("suppliers"), {"q": "پیچ"}))["needed_by"] == 3


def test_one_unit_needing_it_is_said_in_the_singular(stranger_client):
    client = stranger_client
    make_need(make_exhibitor(), name="بلبرینگ")
    page = in_language(client, "en").get(reverse("suppliers"), {"q": "بلبرینگ"}).content.decode()
    assert "though 1 unit needs it." in page


def test_links_drop_each_filter_and_say_what_matches_without_them(client):
    malayer = make_exhibitor(county=hamedan("ملایر"))
    make_product(malayer, name="چسب چوب", category=category("2029"))
    params = {"q": "چسب", "county": hamedan().pk, "category": "۲۰۲۹", "page": "3"}
    response = in_language(client, "en").get(reverse("suppliers"), params)
    nothing = offer(response)
    assert nothing["elsewhere"] == 1 and nothing["needed_by"] == 0
    links = {f["label"]: (f["value"], f["url"]) for f in nothing["filters"]}
    assert set(links) == {"County", "ISIC code"}
    value, url = links["County"]
    assert value == "Hamedan"
    # The link drops the county (and the page) and keeps the rest.
    assert names_at(client, url) == ["چسب چوب"]
    assert "county=" not in url and "page=" not in url
    assert "category=%DB%B2%DB%B0%DB%B2%DB%B9" in url  # as typed: «۲۰۲۹»
    value, url = links["ISIC code"]
    assert value.startswith("2029 · ") and "category=" not in url
    page = response.content.decode()
    assert "1 product matches without the filters." in page
    assert "Nobody supplies" not in page


def names_at(client, url):
    return [p.name for p in client.get(url).context["page"].object_list]


def test_a_visitor_is_not_told_what_units_need(client):
    make_need(make_exhibitor(), name="مهره ماسوره", category=category("2599"))
    make_product(make_exhibitor(), name="پیچ", category=category("2599"))
    response = in_language(client, "en").get(reverse("suppliers"), {"q": "ماسوره"})
    assert offer(response)["needed_by"] == 0 and offer(response)["categories"] == []
    page = response.content.decode()
    assert "unit needs it" not in page and "units need it" not in page


def test_related_categories_come_from_the_needs_and_the_category_names(stranger_client):
    client = stranger_client
    maker = make_exhibitor()
    make_product(maker, name="پیچ", category=category("2599"))
    make_product(maker, name="کفش چرمی", category=category("1520"))
    make_product(maker, name="چکمه", category=category("1520"))
    # How the unit that needs it files it:
    make_need(make_exhibitor(), name="مهره ماسوره", category=category("2599"))
    response = client.get(reverse("suppliers"), {"q": "ماسوره"})
    assert [r["category"].code for r in offer(response)["categories"]] == ["2599"]
    # Categories whose names hold the words, classes first, with their products.
    response = in_language(client, "en").get(reverse("suppliers"), {"q": "تولید کفش"})
    related = [(r["category"].code, r["products"]) for r in offer(response)["categories"]]
    assert related == [("1520", 2)]  # group 152 holds no more than its class
    page = response.content.decode()
    assert f'href="{reverse("suppliers")}?category=1520"' in page and "2 products" in page
    # Class 9523 (repair of footwear) holds no product: no link to an empty page.
    assert offer(client.get(reverse("suppliers"), {"q": "تعمیر کفش"}))["categories"] == []
    assert offer(client.get(reverse("suppliers"), {"q": "کفش زنانه"}))["categories"] == []


def test_a_member_adds_the_search_as_a_need_of_their_unit(
    owner_client, unit, django_capture_on_commit_callbacks
):
    response = owner_client.get(reverse("suppliers"), {"q": "پیچ"})
    page = response.content.decode()
    assert f'action="{ADD}"' in page and 'name="csrfmiddlewaretoken"' in page
    assert f'name="unit" value="{unit.pk}"' in page and 'name="q" value="پیچ"' in page
    maker = make_exhibitor()
    make_product(maker, name="پیچ", category=None)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(ADD, {"unit": unit.pk, "q": "  پيچ  "})
    need = Need.objects.get(exhibitor=unit)
    assert need.name == "پیچ"  # Persian letters, no spaces around
    assert response.url == reverse("self:item_edit", args=["need", need.pk])
    # Through the same service as the need form: matched like any need.
    assert Match.objects.filter(need=need, product__exhibitor=maker).exists()
    assert "«پیچ»" in said(response)[-1]


def test_a_double_tap_or_another_spelling_adds_no_second_need(owner_client, unit):
    owner_client.post(ADD, {"unit": unit.pk, "q": "ورق‌های فولادی"})
    again = in_language(owner_client, "en").post(ADD, {"unit": unit.pk, "q": "ورق های فولادي"})
    need = Need.objects.get(exhibitor=unit)
    assert again.url == reverse("self:item_edit", args=["need", need.pk])
    assert "is already among the needs of" in said(again)[-1]


def test_a_user_of_several_units_chooses_the_unit(owner_client, owner, unit):
    other = make_exhibitor(legal_name="شرکت دوم")
    Membership.objects.create(user=owner, exhibitor=other, role=Membership.Role.STAFF)
    page = owner_client.get(reverse("suppliers"), {"q": "پیچ"}).content.decode()
    assert '<select name="unit" id="id_need_unit">' in page
    assert f'<option value="{other.pk}">شرکت دوم</option>' in page
    owner_client.post(ADD, {"unit": other.pk, "q": "پیچ"})
    assert list(Need.objects.values_list("exhibitor", "name")) == [(other.pk, "پیچ")]


def test_a_visitor_is_asked_to_sign_in_and_cannot_post(client, unit):
    page = client.get(reverse("suppliers"), {"q": "پیچ"}).content.decode()
    assert f'action="{ADD}"' not in page
    assert "/accounts/login/?next=%2Fsuppliers%2F%3Fq%3D" in page
    response = client.post(ADD, {"unit": unit.pk, "q": "پیچ"})
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert not Need.objects.exists()


def test_another_users_unit_is_not_found(stranger_client, unit):
    page = stranger_client.get(reverse("suppliers"), {"q": "پیچ"}).content.decode()
    assert f'action="{ADD}"' not in page  # a user of no unit has nothing to add to
    assert stranger_client.post(ADD, {"unit": unit.pk, "q": "پیچ"}).status_code == 404
    assert not Need.objects.exists()


@pytest.mark.parametrize("unit_value", ["", "abc", "99999999", "1" * 40, "²", "-1"])
def test_a_bad_unit_is_not_found(owner_client, unit, unit_value):
    assert owner_client.post(ADD, {"unit": unit_value, "q": "پیچ"}).status_code == 404
    assert not Need.objects.exists()


def test_a_unit_typed_in_persian_digits_is_the_unit(owner_client, unit):
    from portal.lib.text import to_persian_digits

    owner_client.post(ADD, {"unit": to_persian_digits(unit.pk), "q": "پیچ"})
    assert Need.objects.get().exhibitor == unit


@pytest.mark.parametrize(
    ("q", "error"),
    [("", "Type what the unit needs"), ("   ", "Type what the unit needs"), ("ن" * 121, "120")],
)
def test_an_empty_or_oversized_search_adds_nothing(owner_client, unit, q, error):
    response = in_language(owner_client, "en").post(ADD, {"unit": unit.pk, "q": q})
    assert response.status_code == 302 and response.url.startswith(reverse("suppliers"))
    assert error in said(response)[-1]
    assert not Need.objects.exists()


def test_the_page_offers_no_need_for_an_oversized_search(owner_client, unit):
    response = owner_client.get(reverse("suppliers"), {"q": "ن" * 150})
    assert offer(response).get("can_add") is None
    assert f'action="{ADD}"' not in response.content.decode()


def test_adding_is_post_only(owner_client, unit):
    assert owner_client.get(ADD, {"unit": unit.pk, "q": "پیچ"}).status_code == 405


def test_the_service_returns_the_existing_need_of_the_same_name(unit):
    first, created = services.add_need(exhibitor=unit, name="ورق های فولادی")
    second, again = services.add_need(exhibitor=unit, name="ورق‌های فولادي")
    assert (created, again, first.pk) == (True, False, second.pk)


def test_the_nothing_found_page_query_count_stays_flat(owner_client, unit):
    def add(n):
        for _ in range(n):
            needing = make_exhibitor()
            make_need(needing, name="پیچ", category=category("2599"))
            make_product(needing, name="کارتن", category=category("2599"))

    url = reverse("suppliers") + "?q=پیچ&county=" + str(hamedan("ملایر").pk)
    add(1)
    few = count_queries(owner_client, url)
    add(12)
    cache.clear()
    assert count_queries(owner_client, url) == few
