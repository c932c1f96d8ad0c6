"""The demo: the 10th fair of small and medium industries of Hamedan province.

The data is in portal/demo_data.py; this module writes it. Every row is
found by its natural key first, so running it again changes no counts.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from exhibitors.models import (
    Category,
    County,
    Exhibitor,
    IndustrialPark,
    Membership,
    Need,
    Product,
    Province,
)
from fairs.models import Booth, Fair, Hall, Participation
from portal.lib import changes

from . import demo_data

ROWS, PER_ROW, BOOTH, MARGIN, AISLE = 3, 10, 3, 2, 4
ORGANIZER = ("organizer", "hamsaye-organizer")
EXHIBITOR = ("exhibitor@example.ir", "hamsaye-exhibitor")


@dataclass
class Account:
    username: str
    password: str
    role: str


def booth_layout(hall_code):
    """Three rows of ten 3 × 3 m booths, touching within a row, 4 m aisles between rows."""
    for row in range(ROWS):
        for i in range(PER_ROW):
            number = row * PER_ROW + i + 1
            yield {
                "code": f"{hall_code}-{number:02d}",
                "x": MARGIN + i * BOOTH,
                "y": MARGIN + row * (BOOTH + AISLE),
                "width": BOOTH,
                "height": BOOTH,
            }


def hall_size():
    return (
        2 * MARGIN + PER_ROW * BOOTH,
        2 * MARGIN + ROWS * BOOTH + (ROWS - 1) * AISLE,
    )


@transaction.atomic
def seed(*, create_accounts, today=None):
    """Write the demo fair, its halls and booths, the units, their products and needs.

    Side effects: rows in every table of exhibitors and fairs; with
    ``create_accounts`` also a demo organizer (staff, in Organizers) and a
    demo exhibitor (owner of the first unit), whose logins it returns.
    """
    today = today or timezone.localdate()
    hamedan = Province.objects.get(name_fa="همدان")
    provinces = {p.name_fa: p for p in Province.objects.all()}
    counties = {c.name_fa: c for c in County.objects.filter(province=hamedan)}
    parks = {p.name_fa: p for p in IndustrialPark.objects.filter(county__province=hamedan)}
    categories = {c.code: c for c in Category.objects.filter(level=Category.Level.CLASS)}

    spec = demo_data.FAIR
    fair, _ = Fair.objects.update_or_create(
        slug=spec["slug"],
        defaults={
            "title_fa": spec["title_fa"],
            "title_en": spec["title_en"],
            "edition": spec["edition"],
            "series": spec["series"],
            "venue_fa": spec["venue_fa"],
            "venue_en": spec["venue_en"],
            "county": counties[spec["county"]],
            "status": Fair.Status.OPEN,
            # Always upcoming, whenever the demo is seeded.
            "starts_on": today + datetime.timedelta(days=14),
            "ends_on": today + datetime.timedelta(days=17),
            "registration_opens_on": today - datetime.timedelta(days=30),
            "registration_closes_on": today + datetime.timedelta(days=7),
        },
    )
    _seed_past_edition(spec, counties[spec["county"]], today)

    width, depth = hall_size()
    booths = {}
    for hall_spec in demo_data.HALLS:
        hall, _ = Hall.objects.update_or_create(
            fair=fair,
            code=hall_spec["code"],
            defaults={
                "name_fa": hall_spec["name_fa"],
                "name_en": hall_spec["name_en"],
                "width": width,
                "depth": depth,
            },
        )
        for booth_spec in booth_layout(hall_spec["code"]):
            code = booth_spec.pop("code")
            booth, _ = Booth.objects.update_or_create(
                fair=fair, code=code, defaults={"hall": hall, **booth_spec}
            )
            booths[code] = booth

    units = []
    for unit_spec in demo_data.EXHIBITORS:
        unit, _ = Exhibitor.objects.update_or_create(
            national_id=unit_spec["national_id"],
            defaults={
                "legal_name": unit_spec["legal_name"],
                "brand": unit_spec["brand"],
                "category": categories[unit_spec["isic"]],
                "county": counties[unit_spec["county"]],
                "park": parks[unit_spec["park"]] if unit_spec["park"] else None,
                "phone": unit_spec["phone"],
                "mobile": unit_spec["mobile"],
                "website": unit_spec["website"],
                "description": unit_spec["description"],
            },
        )
        units.append(unit)
        for product in unit_spec["products"]:
            Product.objects.update_or_create(
                exhibitor=unit, name=product["name"], defaults=_item(product, categories)
            )
        for need in unit_spec["needs"]:
            source = provinces.get(need["source_province"] or "")
            Need.objects.update_or_create(
                exhibitor=unit,
                name=need["name"],
                defaults={**_item(need, categories), "current_source_province": source},
            )
        booth = booths.get(unit_spec["booth"] or "")
        if booth and booth.participations.exclude(exhibitor=unit).exists():
            booth = None  # an organizer gave it to another unit since the last run
        Participation.objects.update_or_create(
            fair=fair,
            exhibitor=unit,
            defaults={
                "status": Participation.Status.APPROVED,
                "booth": booth,
                "decided_at": timezone.now(),
            },
        )

    # The demo's matches, computed when this transaction commits.
    changes.changed(everything=True)
    return _seed_accounts(units[0]) if create_accounts else []


def _item(spec, categories):
    return {
        "category": categories.get(spec["isic"]),
        "description": spec["description"],
        "monthly_amount": spec["monthly_amount"],
        "amount_unit": spec["unit"],
    }


def _seed_past_edition(spec, county, today):
    """The 9th edition, archived: the home page lists past fairs too."""
    year_ago = today - datetime.timedelta(days=365)
    Fair.objects.update_or_create(
        slug=spec["slug"].replace("-10", "-9"),
        defaults={
            "title_fa": spec["title_fa"].replace("دهمین", "نهمین"),
            "title_en": spec["title_en"].replace("10th", "9th"),
            "edition": 9,
            "series": spec["series"],
            "venue_fa": spec["venue_fa"],
            "venue_en": spec["venue_en"],
            "county": county,
            "status": Fair.Status.ARCHIVED,
            "starts_on": year_ago,
            "ends_on": year_ago + datetime.timedelta(days=3),
            "registration_opens_on": year_ago - datetime.timedelta(days=45),
            "registration_closes_on": year_ago - datetime.timedelta(days=7),
        },
    )


def _seed_accounts(first_unit):
    organizer, _ = User.objects.update_or_create(
        username=ORGANIZER[0],
        defaults={"email": "organizer@example.ir", "is_staff": True, "first_name": "مسئول"},
    )
    organizer.set_password(ORGANIZER[1])
    organizer.save()
    organizer.groups.add(Group.objects.get(name="Organizers"))

    exhibitor, _ = User.objects.update_or_create(
        username=EXHIBITOR[0], defaults={"email": EXHIBITOR[0], "is_staff": False}
    )
    exhibitor.set_password(EXHIBITOR[1])
    exhibitor.save()
    Membership.objects.update_or_create(
        user=exhibitor, exhibitor=first_unit, defaults={"role": Membership.Role.OWNER}
    )
    return [
        Account(*ORGANIZER, role="organizer"),
        Account(*EXHIBITOR, role=f"exhibitor, owner of {first_unit.legal_name}"),
    ]
