"""The floor plan pages, booth cards, and neighbours on the unit pages."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.testing import sign_in_staff
from exhibitors.models import Membership
from exhibitors.tests.factories import category, make_exhibitor, make_need, make_product
from fairs.models import Fair
from fairs.tests.factories import (
    make_booth,
    make_fair,
    make_hall,
    make_organizer,
    make_participation,
)
from portal.tests.helpers import count_queries, in_language

pytestmark = pytest.mark.django_db


@pytest.fixture
def fair():
    fair = make_fair(slug="hamedan-10")
    hall = make_hall(fair, "A", name_fa="سالن الف", width=40, depth=20)
    leather = make_exhibitor(legal_name="دباغی الوند", brand="الوند", category=category("1511"))
    paper = make_exhibitor(legal_name="کارتن همدان", category=category("1702"))
    make_participation(fair, leather, booth=make_booth(hall, "A-01", x=0))
    make_participation(fair, paper, booth=make_booth(hall, "A-02", x=3))
    make_booth(hall, "A-03", x=6)  # free
    return fair


def booth_groups(page):
    return re.findall(r'<g class="booth[^"]*" id="booth-([^"]+)"', page)


def test_the_plan_draws_every_booth_with_its_unit_link_colour_and_legend(client, fair):
    page = client.get(reverse("fairs:plan", args=["hamedan-10"])).content.decode()
    assert booth_groups(page) == ["A-01", "A-02", "A-03"]
    assert page.count("<rect x=") == 3
    leather = fair.participations.get(booth__code="A-01").exhibitor
    assert f'href="{leather.get_absolute_url()}"' in page
    assert "الوند" in page and "<title>A-۰۱ الوند</title>" in page  # Persian by default
    # Two divisions, two colours in the legend, and the free booth drawn white.
    assert "15 " not in page or "تولید چرم" in page
    assert page.count('class="swatch"') == 2
    assert 'class="booth free"' in page and 'fill="#ffffff"' in page
    assert 'viewBox="0 0 40 20"' in page


def test_highlight_marks_one_booth_and_names_its_unit(client, fair):
    url = reverse("fairs:plan_hall", args=["hamedan-10", "A"])
    page = client.get(url, {"highlight": "a-۰۲"}).content.decode()  # lower case, Persian digits
    assert 'class="booth highlighted" id="booth-A-02"' in page
    assert page.count("highlighted") == 1
    assert "کارتن همدان" in page


def test_an_unknown_booth_to_highlight_is_said_plainly(client, fair):
    url = reverse("fairs:plan_hall", args=["hamedan-10", "A"])
    response = in_language(client, "en").get(url, {"highlight": "<b>Z-99</b>"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is no booth" in page and "&lt;b&gt;Z-99&lt;/b&gt;" in page
    assert "highlighted" not in page.split("<svg", 1)[1]


@pytest.mark.parametrize(
    "path",
    ["/fairs/hamedan-10/plan/Z/", "/fairs/no-such-fair/plan/", "/fairs/hamedan-10/plan/%D8%A7/"],
)
def test_unknown_halls_and_fairs_are_not_found(client, fair, path):
    assert client.get(path).status_code == 404


def test_a_draft_fairs_plan_is_not_public(client, fair):
    Fair.objects.filter(pk=fair.pk).update(status=Fair.Status.DRAFT)
    assert client.get(reverse("fairs:plan", args=["hamedan-10"])).status_code == 404


def test_the_plan_in_english_is_left_to_right_with_english_names(client, fair):
    page = in_language(client, "en").get(reverse("fairs:plan", args=["hamedan-10"]))
    page = page.content.decode()
    assert 'dir="ltr"' in page and "Floor plan" in page and "Hall A" in page


def test_the_plan_query_count_stays_flat_from_10_to_500_booths(client):
    fair = make_fair(slug="big")
    hall = make_hall(fair, width=200, depth=100)

    def fill(start, stop):
        for i in range(start, stop):
            booth = make_booth(hall, f"A-{i:03}", x=(i % 50) * 4, y=(i // 50) * 10)
            if i % 3:
                unit = make_exhibitor(category=category(["1511", "1702", "2220"][i % 3]))
                make_participation(fair, unit, booth=booth)

    fill(0, 10)
    url = reverse("fairs:plan", args=["big"])
    few = count_queries(client, url)
    # From the fragment cache: the fair and its halls only.
    assert count_queries(client, url) <= few - 4
    fill(10, 500)  # factories do not announce their writes: drawn again by hand
    cache.clear()
    assert count_queries(client, url) == few
    assert len(booth_groups(client.get(url).content.decode())) == 500


def test_the_fair_page_and_the_directory_link_to_the_booth_on_the_plan(client, fair):
    page = client.get(fair.get_absolute_url()).content.decode()
    assert "/fairs/hamedan-10/plan/A/?highlight=A-01#booth-A-01" in page
    assert 'href="/fairs/hamedan-10/plan/"' in page


class TestBoothCards:
    def test_an_organizer_prints_the_cards_of_a_hall_with_qr_codes(self, client, fair):
        sign_in_staff(client, make_organizer())
        page = client.get(reverse("fairs:hall_cards", args=["hamedan-10", "A"])).content.decode()
        assert page.count('class="booth-card"') == 3
        assert page.count('class="segno"') == 3
        leather = fair.participations.get(booth__code="A-01").exhibitor
        assert f"http://testserver{leather.get_absolute_url()}" in page or (
            leather.get_absolute_url() in page
        )
        assert "?highlight=A-03" in page  # the free booth's card points at the plan

    def test_one_card(self, client, fair):
        sign_in_staff(client, make_organizer())
        page = client.get(reverse("fairs:booth_card", args=["hamedan-10", "A-02"]))
        page = page.content.decode()
        assert page.count('class="booth-card"') == 1 and "کارتن همدان" in page

    def test_exhibitors_cannot_print_cards(self, stranger_client, fair):
        url = reverse("fairs:hall_cards", args=["hamedan-10", "A"])
        assert stranger_client.get(url).status_code == 403

    def test_anonymous_visitors_are_sent_to_log_in(self, client, fair):
        response = client.get(reverse("fairs:hall_cards", args=["hamedan-10", "A"]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    @pytest.mark.parametrize(
        "path", ["/fairs/hamedan-10/plan/Z/cards/", "/fairs/hamedan-10/booths/Z-1/card/"]
    )
    def test_unknown_halls_and_booths_are_not_found(self, client, fair, path):
        sign_in_staff(client, make_organizer())
        assert client.get(path).status_code == 404


class TestNeighboursOnUnitPages:
    def test_the_unit_page_shows_the_small_plan_and_the_neighbours_products(self, client, fair):
        paper = fair.participations.get(booth__code="A-02").exhibitor
        make_product(paper, name="کارتن سه لایه")
        make_need(paper, name="کاغذ کرافت")
        leather = fair.participations.get(booth__code="A-01").exhibitor
        page = client.get(leather.get_absolute_url()).content.decode()
        assert "plan-small" in page and "booth highlighted" in page
        neighbours = page.split('class="neighbours"', 1)[1]
        assert "کارتن همدان" in neighbours and "کارتن سه لایه" in neighbours
        assert "کاغذ کرافت" not in page  # a visitor does not see needs

    def test_the_dashboard_shows_the_neighbours_needs_too(self, client, owner, fair):
        leather = fair.participations.get(booth__code="A-01").exhibitor
        Membership.objects.create(user=owner, exhibitor=leather, role=Membership.Role.OWNER)
        paper = fair.participations.get(booth__code="A-02").exhibitor
        make_need(paper, name="چسب نشاسته")
        client.force_login(owner)
        page = in_language(client, "en").get(reverse("dashboard_unit", args=[leather.pk]))
        page = page.content.decode()
        assert "چسب نشاسته" in page and "next door" in page and "A-02" in page

    def test_a_unit_far_from_everyone_is_told_so(self, client):
        fair = make_fair()
        hall = make_hall(fair, width=40)
        lonely = make_participation(fair, booth=make_booth(hall, "A-01")).exhibitor
        make_participation(fair, booth=make_booth(hall, "A-09", x=30))
        page = in_language(client, "en").get(lonely.get_absolute_url()).content.decode()
        assert "No other unit stands within 3 m" in page


class TestPlanOnAPhone:
    """What the plan page draws for its script: fitted, searchable, tappable."""

    def test_the_svg_has_its_size_in_attributes_and_no_inline_style(self, client, fair):
        page = client.get(reverse("fairs:plan", args=["hamedan-10"])).content.decode()
        svg = page.split("<svg", 1)[1].split(">", 1)[0]
        # 14 px a metre without the script; fitted by css/plan.css with it.
        assert 'width="560" height="280"' in svg
        assert "style=" not in page.split("<main", 1)[1]
        assert 'role="group"' not in page
        assert "plan-static.css" in page.split("<noscript>", 1)[1]

    def test_booth_codes_show_persian_digits_in_persian_and_the_link_names_start_with_them(
        self, client, fair
    ):
        page = in_language(client, "fa").get(reverse("fairs:plan", args=["hamedan-10"]))
        page = page.content.decode()
        assert '<text class="code"' in page and ">A-۰۱</text>" in page
        assert 'id="booth-A-01"' in page  # the anchor stays as typed
        assert "<title>A-۰۱ الوند</title>" in page
        english = in_language(client, "en").get(reverse("fairs:plan", args=["hamedan-10"]))
        assert ">A-01</text>" in english.content.decode()

    def test_the_hall_lists_its_units_with_products_for_the_sheet(self, client, fair):
        leather = fair.participations.get(booth__code="A-01").exhibitor
        make_product(leather, name="چرم گاوی")
        page = client.get(reverse("fairs:plan", args=["hamedan-10"])).content.decode()
        units = page.split("data-units>", 1)[1].split("</ol>", 1)[0]
        assert units.count("<li ") == 2  # the free booth is not a unit
        item = units.split('id="unit-A-01"', 1)[1].split("</li>", 1)[0]
        assert "چرم گاوی" in item and leather.get_absolute_url() in item
        assert 'id="unit-A-01"' in units and "A-03" not in units

    def test_search_marks_booths_by_product_unit_or_code_without_the_script(self, client, fair):
        paper = fair.participations.get(booth__code="A-02").exhibitor
        make_product(paper, name="جعبه مقوايي")  # Arabic ي, found by Persian ی
        url = reverse("fairs:plan", args=["hamedan-10"])
        page = in_language(client, "en").get(url, {"q": "جعبه مقوایی"}).content.decode()
        assert 'class="booth match" id="booth-A-02"' in page
        assert len(re.findall(r'class="booth[^"]* match"', page)) == 1
        assert "1 booth matches" in page
        assert 'svg class="plan searching"' in page
        by_code = client.get(url, {"q": "a-03"}).content.decode()
        assert 'class="booth free match" id="booth-A-03"' in by_code
        nothing = client.get(url, {"q": "<b>هیچ</b>"}).content.decode()
        assert "No booth matches." in nothing and "&lt;b&gt;" in nothing and "<b>هیچ" not in nothing

    def test_an_oversized_search_is_cut_and_still_answers(self, client, fair):
        url = reverse("fairs:plan", args=["hamedan-10"])
        response = in_language(client, "en").get(url, {"q": "چرم " * 500})
        assert response.status_code == 200
        assert 'maxlength="100"' in response.content.decode()

    def test_the_search_costs_one_query_more_whatever_the_booths(self, client):
        def plan_with(n):
            fair = make_fair(slug=f"big-{n}")
            hall = make_hall(fair, "A", width=200, depth=200)
            for i in range(n):
                unit = make_exhibitor(legal_name=f"واحد {i}")
                make_product(unit, name=f"محصول {i}")
                make_participation(
                    fair, unit, booth=make_booth(hall, f"B{i}", x=(i % 60) * 3, y=(i // 60) * 3)
                )
            return reverse("fairs:plan", args=[fair.slug]) + "?q=محصول"

        assert count_queries(client, plan_with(3)) == count_queries(client, plan_with(30))

    def test_the_small_plan_draws_whole_booths(self, client):
        fair = make_fair(slug="wide")
        hall = make_hall(fair, "A", width=60, depth=10)
        mine = make_exhibitor(legal_name="واحد من")
        make_participation(fair, mine, booth=make_booth(hall, "A-10", x=30, width=3))
        other = make_exhibitor(legal_name="همسایه دور")
        # 8 m to the left ends at x=22: this 6 m booth from 18 to 24 is cut by it.
        make_participation(fair, other, booth=make_booth(hall, "A-05", x=18, width=6))
        page = client.get(mine.get_absolute_url()).content.decode()
        small = page.split('class="plan plan-small', 1)[1]
        view = re.search(r'viewBox="([^"]+)"', small).group(1).split()
        x0, width = float(view[0]), float(view[2])
        assert x0 <= 18 and x0 + width >= 33


def test_the_small_plan_shows_a_booth_that_fits_in_its_widened_window(client):
    fair = make_fair(slug="widened")
    hall = make_hall(fair, "A", width=60, depth=10)
    mine = make_exhibitor(legal_name="واحد من")
    make_participation(fair, mine, booth=make_booth(hall, "A-10", x=30, width=3))
    # Cut by the 8 m window (it starts at x=22): the window grows to x=14.
    make_participation(fair, make_exhibitor(), booth=make_booth(hall, "A-05", x=14, width=9))
    # Outside the 8 m window, inside the widened one: drawn, not left as bare floor.
    make_booth(hall, "A-04", x=15, y=5, width=3)
    page = client.get(mine.get_absolute_url()).content.decode()
    small = page.split('class="plan plan-small', 1)[1].split("</svg>", 1)[0]
    assert {"A-۰۴", "A-۰۵", "A-۱۰"} <= set(re.findall(r">(A-[^<]+)</text>", small))
