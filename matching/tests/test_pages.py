"""Matches on the dashboard and the fair page."""

import pytest
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
