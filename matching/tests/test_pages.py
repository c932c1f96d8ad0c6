"""Matches on the dashboard and the fair page."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from exhibitors.models import Membership
from exhibitors.tests.factories import category, make_exhibitor, make_need, make_product, park
from fairs.tests.factories import make_booth, make_fair, make_hall, make_participation
from matching import engine
from portal.tests.helpers import count_queries, in_language

pytestmark = pytest.mark.django_db


@pytest.fixture
def fair(unit):
    fair = make_fair(slug="hamedan-10")
    hall = make_hall(fair)
    neighbour = make_exhibitor(legal_name="کارتن‌سازی همسایه", park=park())
    make_product(neighbour, name="کارتن پنج لایه", category=category("1702"))
    make_need(neighbour, name="چسب نشاسته", category=category("2029"))
    make_participation(fair, unit, booth=make_booth(hall, "A-01"))
    make_participation(fair, neighbour, booth=make_booth(hall, "A-02", x=3))
    make_need(unit, name="کارتن پنج لایه", category=category("1702"))
    make_product(unit, name="چسب نشاسته", category=category("2029"))
    engine.rematch()
    return fair


def dashboard(client, unit):
    return in_language(client, "en").get(reverse("dashboard_unit", args=[unit.pk]))


def test_the_dashboard_lists_suppliers_and_buyers_with_tier_reasons_and_contact(
    owner_client, unit, fair, django_user_model
):
    page = dashboard(owner_client, unit).content.decode()
    # Nobody manages the neighbour yet: no contact button, a pointer to its page.
    assert "/contact/" not in page and "Nobody manages this unit on the portal yet" in page
    neighbour = fair.participations.get(booth__code="A-02").exhibitor
    user = django_user_model.objects.create_user("n@example.ir", "n@example.ir")
    Membership.objects.create(user=user, exhibitor=neighbour, role=Membership.Role.OWNER)
    page = dashboard(owner_client, unit).content.decode()
    suppliers = page.split('id="suppliers-title"')[1].split('id="buyers-title"')[0]
    assert "کارتن‌سازی همسایه" in suppliers and "booth next door" in suppliers
    assert "same ISIC class 1702" in suppliers and "booth A-02, next door" in suppliers
    assert "/fairs/hamedan-10/plan/A/?highlight=A-02" in suppliers
    assert "/contact/" in suppliers
    buyers = page.split('id="buyers-title"')[1]
    assert "چسب نشاسته" in buyers and "کارتن‌سازی همسایه" in buyers


def test_the_dashboard_query_count_stays_flat_as_matches_grow(owner_client, unit, fair):
    url = reverse("dashboard_unit", args=[unit.pk])
    # Enough needs that no suggested needs are shown before or after (that
    # section's queries come and go with it, by design).
    for name in ("نخ پلی استر", "چسب حرارتی"):
        make_need(unit, name=name, category=category("2029"))
    few = count_queries(owner_client, url)
    for i in range(8):
        maker = make_exhibitor()
        make_product(maker, name=f"کارتن پنج لایه {i}", category=category("1702"))
        buyer = make_exhibitor()
        make_need(buyer, name="چسب نشاسته", category=category("2029"))
        make_need(unit, name=f"کارتن مدل {i}", category=category("1702"))
    engine.rematch()
    assert count_queries(owner_client, url) == few


def test_a_visitor_sees_how_many_needs_neighbours_can_supply_but_not_which(client, fair):
    page = in_language(client, "en").get(fair.get_absolute_url()).content.decode()
    assert "2 needs of the units in this hall can be supplied" in page
    assert "Strongest matches" not in page and "چسب نشاسته" not in page
    assert "Log in to see who can supply whom" in page


def test_a_logged_in_exhibitor_sees_the_strongest_neighbour_matches(stranger_client, fair):
    page = in_language(stranger_client, "en").get(fair.get_absolute_url()).content.decode()
    assert "Strongest matches between neighbours" in page
    assert "کارتن پنج لایه" in page and "booth next door" in page


def test_the_fair_page_query_count_stays_flat_as_matches_grow(client, fair):
    few = count_queries(client, fair.get_absolute_url())
    hall = fair.halls.get()
    for i in range(10):
        unit = make_exhibitor()
        make_need(unit, name="کارتن پنج لایه", category=category("1702"))
        make_participation(fair, unit, booth=make_booth(hall, f"B-{i}", x=3 * i, y=10))
    engine.rematch()
    cache.clear()  # the factories' writes are not announced (see test_fragments.py)
    assert count_queries(client, fair.get_absolute_url()) == few


def test_every_hall_gets_its_own_strongest_matches(fair):
    from matching import reading

    hall_b = make_hall(fair, "B")
    buyer, maker = make_exhibitor(), make_exhibitor()
    make_need(buyer, name="نخ پنبه‌ای", category=category("1311"))
    make_product(maker, name="نخ پنبه", category=category("1311"))
    make_participation(fair, buyer, booth=make_booth(hall_b, "B-01"))
    make_participation(fair, maker, booth=make_booth(hall_b, "B-02", x=3))
    engine.rematch()
    halls = list(fair.halls.order_by("code"))
    summary = reading.fair_summary(fair, halls)
    best = {h.code: [m.need.name for m in summary[h.pk]["best"]] for h in halls}
    assert best["A"] and all(name != "نخ پنبه‌ای" for name in best["A"])
    assert best["B"] == ["نخ پنبه‌ای"]
    assert all(len(names) <= 3 for names in best.values())


def test_a_related_word_reads_as_people_write_it(owner_client, unit):
    from matching import reading
    from matching.models import Match

    maker = make_exhibitor()
    make_product(maker, name="جعبه مقوایی سه لایه", category=None)
    need = make_need(unit, name="کارتن", category=None)
    engine.rematch()
    match = reading.matches(Match.objects.filter(need=need, fair__isnull=True)).get()
    texts = reading.reason_texts(match, reading.Booths.of(None))
    assert any("کارتن ≈ جعبه مقوایی" in text for text in texts), texts


def test_a_division_the_buyers_industry_buys_from_reads_as_a_reason(owner_client, unit):
    from matching import reading
    from matching.models import Match

    unit.category = category("1071")  # a bakery: it buys its ovens from 28
    unit.save()
    make_product(make_exhibitor(), name="فر دوار گازی", category=category("2825"))
    need = make_need(unit, name="فر", category=None)
    engine.rematch()
    match = reading.matches(Match.objects.filter(need=need, fair__isnull=True)).get()
    texts = reading.reason_texts(match, reading.Booths.of(None))
    assert "بخش ۲۸ در ISIC، که رشتهٔ خریدار از آن می‌خرد" in texts, texts


def test_sizes_read_as_the_product_wrote_them(owner_client, unit):
    from matching import reading
    from matching.models import Match

    maker = make_exhibitor()
    make_product(maker, name="اینورتر ۲.۲ کیلو وات", category=None)
    make_product(maker, name="قوطی ۴۰ در ۴۰ ضخامت ۲ میل", category=None)
    needs = [
        make_need(unit, name="اینورتر ۲.۲ کیلووات", category=None),
        make_need(unit, name="قوطی ۴۰ در ۴۰", category=None),
    ]
    engine.rematch()
    texts = []
    for need in needs:
        match = reading.matches(Match.objects.filter(need=need, fair__isnull=True)).get()
        texts += reading.reason_texts(match, reading.Booths.of(None))
    assert any("۲.۲ کیلو وات" in text for text in texts), texts
    assert any("۴۰ در ۴۰" in text and "ضخامت" not in text for text in texts), texts
    assert not any("2.2kW" in text or "40x40" in text for text in texts), texts


class TestTheDashboardLeadsWithWhatMatters:
    def test_the_fair_block_comes_before_the_matches_with_booth_and_neighbours(
        self, owner_client, unit, fair
    ):
        page = dashboard(owner_client, unit).content.decode()
        block = page.split('class="my-fair"', 1)[1].split("</section>", 1)[0]
        assert page.index('class="my-fair"') < page.index('id="suppliers-title"')
        assert "Your booth: <strong" in block and "A-01" in block
        assert "plan-small" in block and "کارتن‌سازی همسایه" in block  # the neighbour

    def test_one_card_per_supplying_unit_its_products_inside_and_the_rest_folded(
        self, owner_client, unit, fair
    ):
        neighbour = fair.participations.get(booth__code="A-02").exhibitor
        make_product(neighbour, name="کارتن پنج لایه چاپ دار", category=category("1702"))
        for i in range(2):
            far = make_exhibitor(legal_name=f"کارتن دور {i}")
            make_product(far, name="کارتن پنج لایه", category=category("1702"))
        engine.rematch()
        page = dashboard(owner_client, unit).content.decode()
        need = page.split('id="suppliers-title"')[1].split('id="buyers-title"')[0]
        first, folded = need.split('<details class="more">', 1)
        # The neighbour once, with both of its products, and a word for the strength.
        assert first.count("کارتن‌سازی همسایه") == 1
        assert first.count('<li class="match ') == 1
        assert "کارتن پنج لایه چاپ دار" in first and "strong match" in first
        assert "2 more suppliers" in folded and folded.count('<li class="match ') == 2
        assert first.count('value="not_relevant"') == 2  # one control a product
        assert "score" not in need

    def test_strength_words_follow_relevance(self):
        from matching.reading import strength

        assert strength(0.9)[0] == "strong" and strength(0.6)[0] == "good"
        assert strength(0.31)[0] == "possible" and str(strength(1)[1]) == "strong match"
        # Under a match: kept only for a need with none, and not called a match.
        assert strength(0.25)[0] == "weak" and str(strength(0.25)[1]) == "may be worth a look"

    def test_a_weak_pair_is_shown_as_worth_a_look_not_as_a_match(self, owner_client, unit):
        stone = category("0810")
        quarry = make_exhibitor(legal_name="معدن مرمریت")
        make_product(quarry, name="بلوک مرمریت کرم", category=stone)
        make_need(unit, name="اسلب مرمریت", category=stone)
        engine.rematch()
        page = dashboard(owner_client, unit).content.decode()
        assert "معدن مرمریت" in page and "may be worth a look" in page
        assert 'class="strength strength-weak"' in page
        page = in_language(owner_client, "fa").get(reverse("dashboard_unit", args=[unit.pk]))
        assert "شاید به کارتان بیاید" in page.content.decode()

    def test_persian_dashboard_has_persian_digits_in_reasons_and_codes(
        self, owner_client, unit, fair
    ):
        page = in_language(owner_client, "fa").get(reverse("dashboard_unit", args=[unit.pk]))
        page = page.content.decode()
        assert "۱۷۰۲" in page and "A-۰۲" in page
        suppliers = page.split('id="suppliers-title"')[1].split('id="buyers-title"')[0]
        assert "1702" not in suppliers.replace("1702/", "")


class TestEmptyStates:
    def test_a_new_unit_is_0_percent_and_is_told_what_to_do_next(self, owner_client, unit):
        page = dashboard(owner_client, unit)
        assert page.context["completeness"] == 0
        html = page.content.decode()
        assert "Add what your unit buys, and the portal shows who makes it" in html
        assert "List what your unit makes, and the portal shows the units that need it" in html
        assert "No unit has listed a need your products serve yet" not in html

    def test_completeness_is_one_weighted_definition(self, unit):
        assert unit.completeness([], [])[0] == 0
        product = make_product(unit, name="کفش", category=category("1520"))
        percent, missing = unit.completeness([product], [])
        # A product (30) and categories on every item (10), plus what the unit has.
        assert 40 <= percent < 100 and "at least one need" in [str(m) for m in missing]


def test_first_units_keeps_every_row_of_the_first_n_units_not_the_first_n_rows():
    from types import SimpleNamespace as Row

    from matching.reading import first_units

    def match(unit):
        return Row(product=Row(exhibitor_id=unit), need=Row(exhibitor_id=0))

    rows = [match(u) for u in (1, 1, 1, 2, 1, 3, 2, 4)]
    kept = first_units(rows, 3)
    assert [m.product.exhibitor_id for m in kept] == [1, 1, 1, 2, 1, 3, 2]
    assert first_units(rows, 1) == [*rows[:3], rows[4]]
