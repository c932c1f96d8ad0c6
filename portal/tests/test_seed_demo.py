from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from exhibitors.models import Exhibitor, Membership, Need, Product
from exhibitors.tests.factories import make_exhibitor
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
    sections = {name: fairs for name, _title, fairs in client.get("/").context["sections"]}
    assert "hamedan-smi-10" in [f.slug for f in sections["upcoming"]]


def test_booths_in_a_row_touch_and_rows_are_an_aisle_apart(settings):
    seed(settings, debug=False)
    a01, a02, a11 = (Booth.objects.get(code=c) for c in ("A-01", "A-02", "A-11"))
    assert a01.x + a01.width == a02.x and a01.y == a02.y
    assert a11.y - (a01.y + a01.height) == 4
    for booth in Booth.objects.select_related("hall"):
        assert booth.x + booth.width <= booth.hall.width - 2
        assert booth.y + booth.height <= booth.hall.depth - 2
    assert [h.name_fa for h in Hall.objects.order_by("code")] == ["سالن ۱ (الف)", "سالن ۲ (ب)"]


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


def test_every_unit_takes_part_and_those_the_plan_leaves_out_wait_for_a_booth(settings):
    seed(settings, debug=False)
    fair = Fair.objects.get(slug="hamedan-smi-10")
    participations = Participation.objects.filter(fair=fair)
    assert participations.filter(status=Participation.Status.APPROVED).count() == 52
    assert participations.filter(booth=None).count() == 6


def test_its_files_are_a_registry_and_a_floor_plan_that_the_commands_import(tmp_path):
    out = StringIO()
    call_command("import_directory", str(demo.FOLDER), stdout=out, stderr=out)
    call_command(
        "import_floorplan",
        "demo-copy",
        str(demo.FOLDER / "booths.csv"),
        "--title",
        "نمونه",
        stdout=out,
    )
    assert "units: 52 created" in out.getvalue()
    assert "products: 122 created" in out.getvalue() and "needs: 122 created" in out.getvalue()
    assert "booths: 60 created" in out.getvalue()
    assert "participations: 46 created" in out.getvalue()
    unit = Exhibitor.objects.get(national_id=demo.EXHIBITOR_UNIT)
    assert (unit.brand, unit.mobile) == ("سبک‌چرم", "09181325476")
    assert unit.description.startswith("دباغی پوست گوسفند")


def test_a_booth_an_organizer_gave_to_another_unit_stops_it_and_nothing_is_written(settings):
    seed(settings, debug=False)
    fair = Fair.objects.get(slug="hamedan-smi-10")
    Participation.objects.filter(booth__code="A-01").update(booth=None)
    stranger = make_exhibitor(national_id="14000001520")
    Participation.objects.create(
        fair=fair,
        exhibitor=stranger,
        status=Participation.Status.APPROVED,
        booth=Booth.objects.get(code="A-01"),
    )
    before = counts()
    with pytest.raises(CommandError, match=r"booths\.csv:2: code: .*14000001520"):
        seed(settings, debug=False)
    assert counts() == before
    assert Participation.objects.get(booth__code="A-01").exhibitor == stranger


def test_the_demo_dairy_is_offered_its_inputs_and_one_tap_brings_suppliers_nearest_first(
    client, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from exhibitors.models import Exhibitor, Need
    from matching.models import Match
    from matching.supply_chain import suggestions_for

    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(create_accounts=True)
    dairy = Exhibitor.objects.get(national_id=demo.NEWCOMER_UNIT)
    offered = [name for name, _division in suggestions_for(dairy)]
    assert "لیوان ماست" in offered and "کارتن" in offered
    client.login(username=demo.NEWCOMER[0], password=demo.NEWCOMER[1])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("suggestion_answer", args=[dairy.pk]), {"name": "لیوان ماست", "action": "add"}
        )
    need = Need.objects.get(exhibitor=dairy, name="لیوان ماست")
    fair = dairy.participations.get().fair
    suppliers = list(Match.objects.filter(need=need, fair=fair).order_by("-score"))
    assert suppliers and suppliers[0].product.name == "لیوان ماست"
    page = client.get(reverse("dashboard_unit", args=[dairy.pk])).content.decode()
    assert "آواپلاست" in page or suppliers[0].product.exhibitor.legal_name in page
