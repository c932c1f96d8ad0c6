import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from exhibitors.tests.factories import category, hamedan, make_exhibitor, make_product, park
from fairs.tests.factories import make_booth, make_fair, make_hall, make_participation
from portal.tests.helpers import count_queries, in_language

pytestmark = pytest.mark.django_db


def names(response):
    return sorted(p.name for p in response.context["page"].object_list)


@pytest.fixture
def catalogue():
    tannery = make_exhibitor(legal_name="دباغی الوند", county=hamedan(), park=park())
    malayer = make_exhibitor(legal_name="چوب ملایر", county=hamedan("ملایر"))
    make_product(tannery, name="ورق‌های چرم گاوی", category=category("1511"))
    make_product(tannery, name="آب میوه", category=category("1030"))
    make_product(malayer, name="ورقهای MDF", category=category("1621"))
    make_product(malayer, name="كمد چوبي", category=category("3100"))
    return tannery, malayer


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ورق های", ["ورق‌های چرم گاوی", "ورقهای MDF"]),
        ("ورق‌های چرم", ["ورق‌های چرم گاوی"]),
        ("ورقهاي", ["ورق‌های چرم گاوی", "ورقهای MDF"]),
        ("كمد", ["كمد چوبي"]),
        ("کمد چوبی", ["كمد چوبي"]),
        ("آبمیوه", ["آب میوه"]),
        ("mdf", ["ورقهای MDF"]),
        ("چرم چوب", []),
    ],
)
def test_search_finds_every_spelling_variant_on_this_database(client, catalogue, query, expected):
    response = client.get(reverse("suppliers"), {"q": query})
    assert names(response) == sorted(expected), connection.vendor


def test_filters_combine_and_a_code_includes_what_is_below_it(client, catalogue):
    url = reverse("suppliers")
    assert names(client.get(url, {"category": "C"})) == sorted(
        ["ورق‌های چرم گاوی", "آب میوه", "ورقهای MDF", "كمد چوبي"]
    )
    assert names(client.get(url, {"category": "15"})) == ["ورق‌های چرم گاوی"]
    assert names(client.get(url, {"category": "151"})) == ["ورق‌های چرم گاوی"]
    assert names(client.get(url, {"category": "۱۵۱"})) == ["ورق‌های چرم گاوی"]  # Persian digits
    assert names(client.get(url, {"q": "ورق", "county": hamedan("ملایر").pk})) == ["ورقهای MDF"]
    assert names(client.get(url, {"park": park().pk, "category": "10"})) == ["آب میوه"]
    province = hamedan().province.pk
    assert len(names(client.get(url, {"province": province}))) == 4


def test_the_fair_and_hall_filters_keep_approved_units_only(client, catalogue):
    tannery, malayer = catalogue
    fair = make_fair(slug="hamedan-10")
    hall = make_hall(fair)
    make_participation(fair, tannery, booth=make_booth(hall, "A-01"))
    make_participation(fair, malayer, status="applied")
    url = reverse("suppliers")
    assert names(client.get(url, {"fair": "hamedan-10"})) == ["آب میوه", "ورق‌های چرم گاوی"]
    assert names(client.get(url, {"hall": hall.pk})) == ["آب میوه", "ورق‌های چرم گاوی"]


def test_each_result_shows_its_unit_place_and_booth_with_a_where_is_it_link(client, catalogue):
    tannery, _malayer = catalogue
    fair = make_fair(slug="hamedan-10")
    make_participation(fair, tannery, booth=make_booth(make_hall(fair), "A-07"))
    page = client.get(reverse("suppliers"), {"q": "چرم"}).content.decode()
    assert "دباغی الوند" in page and "شهرک صنعتی بوعلی" in page
    assert "/fairs/hamedan-10/plan/A/?highlight=A-07#booth-A-07" in page


@pytest.mark.parametrize(
    ("params", "field"),
    [({"category": "9999"}, "category"), ({"fair": "nope"}, "fair"), ({"county": "abc"}, "county")],
)
def test_bad_filters_are_shown_as_errors_not_500(client, catalogue, params, field):
    response = client.get(reverse("suppliers"), params)
    assert response.status_code == 200
    assert field in response.context["filter"].errors
    assert list(response.context["page"].object_list) == []


def test_pagination_keeps_the_filters(client):
    unit = make_exhibitor()
    for i in range(25):
        make_product(unit, name=f"چرم {i:02d}")
    response = client.get(reverse("suppliers"), {"q": "چرم", "page": "2"})
    assert len(response.context["page"].object_list) == 5
    assert "q=%DA%86%D8%B1%D9%85&amp;page=1" in response.content.decode()


def test_the_page_works_in_english_left_to_right(client, catalogue):
    page = in_language(client, "en").get(reverse("suppliers"), {"q": "چرم"}).content.decode()
    assert 'dir="ltr"' in page and "Find suppliers" in page


def test_the_directory_query_count_stays_flat_as_results_grow(client):
    fair = make_fair()
    hall = make_hall(fair, width=200)

    def add(n, offset):
        for i in range(n):
            unit = make_exhibitor(park=park())
            make_product(unit, name=f"چرم {offset + i}", category=category())
            make_participation(
                fair, unit, booth=make_booth(hall, f"A-{offset + i}", x=(offset + i) * 3)
            )

    add(1, 0)
    few = count_queries(client, reverse("suppliers") + "?q=چرم")
    add(15, 1)
    cache.clear()  # the lists of places and fairs are cached: count them both times
    assert count_queries(client, reverse("suppliers") + "?q=چرم") == few


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_postgresql_sees_trigrams_in_persian_text():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT similarity(%s, %s), show_trgm(%s)", ["کارتن پنج لایه", "کارتن", "کارتن"]
        )
        similarity, trigrams = cursor.fetchone()
    assert similarity > 0.3 and len(trigrams) >= 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_postgresql_ranks_the_closer_name_first(client):
    unit = make_exhibitor()
    make_product(unit, name="کارتن", description="")
    make_product(unit, name="جعبه", description="در کارتن بسته‌بندی می‌شود و کارتن دارد")
    assert [p.name for p in client.get(reverse("suppliers"), {"q": "کارتن"}).context["page"]] == [
        "کارتن",
        "جعبه",
    ]


def test_choosing_a_fair_offers_its_halls(client, catalogue):
    fair = make_fair(slug="hamedan-10")
    make_hall(fair, "B", name_fa="سالن ب")
    response = client.get(reverse("suppliers"), {"fair": "hamedan-10"})
    halls = [s for s in response.context["selects"] if s["field"].name == "hall"]
    assert halls and halls[0]["options"][0][1] == "سالن ب"


def test_a_units_products_are_shown_together_under_it(client):
    first, second = make_exhibitor(legal_name="اول"), make_exhibitor(legal_name="دوم")
    make_product(first, name="کارتن")  # ranks first: the name is the query
    make_product(second, name="کارتن پنج لایه")
    make_product(first, name="جعبه", description="کارتن")  # ranks last
    units = list(client.get(reverse("suppliers"), {"q": "کارتن"}).context["units"])
    assert [(u.legal_name, [p.name for p in ps]) for u, ps in units] == [
        ("اول", ["کارتن", "جعبه"]),
        ("دوم", ["کارتن پنج لایه"]),
    ]
