import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exhibitors.tests.factories import category, make_exhibitor, make_need, make_product, park
from fairs.tests.factories import make_booth, make_fair, make_hall, make_participation

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed():
    unit = make_exhibitor(legal_name="کارتن الوند", national_id="10380284790", park=park())
    make_product(unit, name="کارتن پنج‌لایه", category=category("1702"), description="مقاوم")
    make_need(unit, name="کاغذ کرافت")
    fair = make_fair(slug="hamedan-10")
    make_participation(fair, unit, booth=make_booth(make_hall(fair, "A"), "A-05"))
    return unit


def test_a_product_result_has_the_documented_shape(client, listed):
    body = client.get(reverse("api_products"), {"q": "کارتن"}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    (product,) = body["results"]
    assert set(product) == {"id", "name", "description", "category", "exhibitor", "booths"}
    assert product["name"] == "کارتن پنج‌لایه" and product["description"] == "مقاوم"
    assert product["category"]["code"] == "1702" and set(product["category"]) == {
        "code",
        "name_fa",
        "name_en",
    }
    assert product["exhibitor"] == {
        "national_id": "10380284790",
        "name": "کارتن الوند",
        "province": "همدان",
        "county": "همدان",
        "park": "شهرک صنعتی بوعلی",
        "url": "http://testserver" + listed.get_absolute_url(),
    }
    assert product["booths"] == [{"fair": "hamedan-10", "hall": "A", "code": "A-05"}]


def test_an_exhibitor_result_has_the_documented_shape(client, listed):
    (unit,) = client.get(reverse("api_exhibitors"), {"q": "کارتن"}).json()["results"]
    assert set(unit) == {
        "national_id",
        "name",
        "province",
        "county",
        "park",
        "category",
        "url",
        "products",
        "needs",
        "booths",
    }
    # What a unit buys is for logged-in users: an anonymous client gets [].
    assert (unit["products"], unit["needs"]) == (["کارتن پنج‌لایه"], [])
    assert unit["booths"] == [{"fair": "hamedan-10", "hall": "A", "code": "A-05"}]


def test_a_logged_in_user_gets_the_needs_too(stranger_client, listed):
    (unit,) = stranger_client.get(reverse("api_exhibitors"), {"q": "کارتن"}).json()["results"]
    assert unit["needs"] == ["کاغذ کرافت"]


def test_units_are_found_by_what_they_make_and_by_category_of_their_products(client, listed):
    other = make_exhibitor(legal_name="بی‌ربط", category=category("1520"))
    found = client.get(reverse("api_exhibitors"), {"q": "پنج لایه"}).json()["results"]
    assert [u["national_id"] for u in found] == [listed.national_id]
    by_category = client.get(reverse("api_exhibitors"), {"category": "17"}).json()["results"]
    assert [u["national_id"] for u in by_category] == [listed.national_id]
    assert other.national_id not in [u["national_id"] for u in by_category]


def test_pages_of_twenty_with_links_that_keep_the_query(client):
    unit = make_exhibitor()
    for i in range(45):
        make_product(unit, name=f"چرم {i:02d}")
    first = client.get(reverse("api_products"), {"q": "چرم"}).json()
    assert (first["count"], len(first["results"]), first["previous"]) == (45, 20, None)
    assert "page=2" in first["next"] and "q=" in first["next"]
    last = client.get(reverse("api_products"), {"q": "چرم", "page": 3}).json()
    assert (len(last["results"]), last["next"]) == (5, None)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "04"}, "category"),  # no division 04 in ISIC Rev.4
        ({"category": "<script>"}, "category"),
        ({"fair": "no-such-fair"}, "fair"),
        ({"page": "99"}, "page"),
        ({"page": "abc"}, "page"),
        ({"county": "x"}, "county"),
        ({"park": "999999"}, "park"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(client, listed, params, field):
    for name in ("api_products", "api_exhibitors"):
        response = client.get(reverse(name), params)
        assert response.status_code == 400
        assert list(response.json()["error"]) == [field]


def test_a_draft_fair_is_an_unknown_fair(client, listed):
    make_fair(slug="secret", status="draft")
    assert client.get(reverse("api_products"), {"fair": "secret"}).status_code == 400


def test_api_query_counts_stay_flat_as_results_grow(client):
    fair = make_fair()
    hall = make_hall(fair, width=300)

    def add(start, n):
        for i in range(start, start + n):
            unit = make_exhibitor(park=park())
            make_product(unit, name=f"چرم {i}", category=category())
            make_need(unit, name=f"نیاز {i}")
            make_participation(fair, unit, booth=make_booth(hall, f"A-{i}", x=i * 3))

    def queries(name):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(name), {"q": "چرم"}).status_code == 200
        return len(captured)

    add(0, 1)
    few = (queries("api_products"), queries("api_exhibitors"))
    add(1, 19)
    assert (queries("api_products"), queries("api_exhibitors")) == few


def test_healthz_answers_ok_without_touching_the_database(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")
    assert len(captured) == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"fair": "a\x00b"}, "fair"),
        ({"category": "1\x007"}, "category"),
        ({"hall": "9" * 25}, "hall"),
        ({"q": "چرم " * 100}, "q"),
        ({"page": "9" * 20}, "page"),
    ],
)
def test_hand_made_parameters_are_a_400_never_a_500(client, listed, params, field):
    for name in ("api_products", "api_exhibitors"):
        response = client.get(reverse(name), params)
        assert response.status_code == 400, (name, params)
        assert field in response.json()["error"]
    assert client.get(reverse("suppliers"), params).status_code == 200


def test_pages_never_repeat_or_skip_rows_that_tie(client):
    # 45 units of one name, each making a product of one name: every sort key ties.
    for _ in range(45):
        make_product(make_exhibitor(legal_name="چرم‌سازی"), name="چرم", description="")
    for name, key in (("api_products", "id"), ("api_exhibitors", "national_id")):
        seen = []
        for page in (1, 2, 3):
            body = client.get(reverse(name), {"q": "چرم", "page": page}).json()
            seen += [row[key] for row in body["results"]]
        assert len(seen) == len(set(seen)) == 45, name
