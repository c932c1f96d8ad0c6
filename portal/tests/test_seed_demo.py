from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from exhibitors.models import Exhibitor, Membership, Need, Product
from fairs.models import Booth, Fair, Hall, Participation
from portal import demo
from portal.lib.identifiers import is_valid_national_id

pytestmark = pytest.mark.django_db

MODELS = [Fair, Hall, Booth, Exhibitor, Product, Need, Participation, Membership, User]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def seed(settings, debug):
    settings.DEBUG = debug
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_running_it_twice_leaves_the_same_row_counts(settings):
    seed(settings, debug=True)
    first = counts()
    seed(settings, debug=True)
    assert counts() == first


def test_it_builds_a_realistic_fair_of_two_halls_sixty_booths_and_about_fifty_units(settings):
    seed(settings, debug=False)
    fair = Fair.objects.get(slug="hamedan-smi-10")
    assert fair.edition == 10 and fair.status == Fair.Status.OPEN
    assert fair.halls.count() == 2
    assert fair.booths.count() == 60
    units = Exhibitor.objects.all()
    assert 45 <= units.count() <= 60
    assert all(is_valid_national_id(u.national_id) for u in units)
    assert units.values("county").distinct().count() >= 5
    assert units.exclude(park=None).values("park").distinct().count() >= 5
    assert Participation.objects.filter(fair=fair).exclude(booth=None).count() >= 40
    assert not Product.objects.filter(exhibitor__isnull=True).exists()
    assert Product.objects.count() >= units.count()
    assert Need.objects.count() >= units.count()


def test_it_is_on_the_home_page_as_an_upcoming_fair(settings, client):
    seed(settings, debug=False)
    assert "hamedan-smi-10" in [f.slug for f in client.get("/").context["upcoming"]]


def test_booths_in_a_row_touch_and_rows_are_an_aisle_apart(settings):
    seed(settings, debug=False)
    a01, a02, a11 = (Booth.objects.get(code=c) for c in ("A-01", "A-02", "A-11"))
    assert a01.x + a01.width == a02.x and a01.y == a02.y
    assert a11.y - (a01.y + a01.height) == demo.AISLE
    width, depth = demo.hall_size()
    for booth in Booth.objects.all():
        assert booth.x + booth.width <= width and booth.y + booth.height <= depth


def test_neighbours_can_supply_each_other(settings):
    """The fair's very problem: a need whose product is made next door."""
    seed(settings, debug=False)
    holders = {
        p.booth.code: p.exhibitor_id
        for p in Participation.objects.exclude(booth=None).select_related("booth")
    }
    supplied_next_door = 0
    for code, unit in holders.items():
        hall, number = code.split("-")
        number = int(number)
        for neighbour in (number - 1, number + 1):
            if (neighbour - 1) // 10 != (number - 1) // 10:  # another row
                continue
            other = holders.get(f"{hall}-{neighbour:02d}")
            if other is None:
                continue
            needs = set(Need.objects.filter(exhibitor=unit).values_list("name", flat=True))
            made = set(Product.objects.filter(exhibitor=other).values_list("name", flat=True))
            supplied_next_door += len(needs & made)
    assert supplied_next_door >= 10


def test_with_debug_on_it_creates_and_prints_the_demo_logins(settings, client):
    out = seed(settings, debug=True)
    assert "organizer / hamsaye-organizer" in out
    organizer = User.objects.get(username="organizer")
    assert organizer.is_staff and not organizer.is_superuser
    assert organizer.groups.filter(name="Organizers").exists()
    assert Membership.objects.get(user__username="exhibitor@example.ir").role == "owner"
    assert client.login(username="organizer", password="hamsaye-organizer")
    assert client.login(username="exhibitor@example.ir", password="hamsaye-exhibitor")


def test_with_debug_off_it_creates_no_accounts(settings):
    out = seed(settings, debug=False)
    assert not User.objects.exists()
    assert "no demo accounts" in out
