import datetime
import itertools

from django.contrib.auth.models import Group, User
from django.utils import timezone

from exhibitors.tests.factories import hamedan, make_exhibitor
from fairs.models import Booth, Fair, Hall, Participation

_serial = itertools.count(1)


def make_fair(**fields):
    n = next(_serial)
    today = timezone.localdate()
    defaults = {
        "title_fa": f"نمایشگاه آزمایشی {n}",
        "title_en": f"Test fair {n}",
        "slug": f"test-fair-{n}",
        "county": hamedan(),
        "status": Fair.Status.OPEN,
        "starts_on": today + datetime.timedelta(days=10),
        "ends_on": today + datetime.timedelta(days=13),
        "registration_opens_on": today - datetime.timedelta(days=5),
        "registration_closes_on": today + datetime.timedelta(days=5),
    }
    return Fair.objects.create(**{**defaults, **fields})


def make_hall(fair, code="A", **fields):
    defaults = {"name_fa": f"سالن {code}", "name_en": f"Hall {code}", "width": 40, "depth": 20}
    return Hall.objects.create(fair=fair, code=code, **{**defaults, **fields})


def make_booth(hall, code, x=0, y=0, width=3, height=3):
    return Booth.objects.create(
        fair=hall.fair, hall=hall, code=code, x=x, y=y, width=width, height=height
    )


def make_participation(fair, exhibitor=None, booth=None, status=Participation.Status.APPROVED):
    return Participation.objects.create(
        fair=fair, exhibitor=exhibitor or make_exhibitor(), booth=booth, status=status
    )


def make_organizer(username="organizer"):
    user = User.objects.create_user(
        username, f"{username}@example.ir", "pass-1234-word", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Organizers"))
    return user
