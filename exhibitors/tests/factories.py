"""Small factory functions for exhibitor-side rows. Reference data comes from migrations."""

import itertools

from exhibitors.models import Category, County, Exhibitor, IndustrialPark, Need, Product, Province
from portal.lib.identifiers import national_id_check_digit

_serial = itertools.count(1)


def valid_national_id(n=None):
    n = next(_serial) if n is None else n
    first_ten = f"14{n:08d}"[-10:]
    first_ten = first_ten[:3] + "1" + first_ten[4:]  # digits 4–9 never all zero
    return first_ten + str(national_id_check_digit(first_ten))


def hamedan(county="همدان"):
    return County.objects.get(province__name_fa="همدان", name_fa=county)


def park(name="شهرک صنعتی بوعلی"):
    return IndustrialPark.objects.get(name_fa=name)


def province(name="تهران"):
    return Province.objects.get(name_fa=name)


def category(code="1702"):
    return Category.objects.get(code=code)


def make_exhibitor(**fields):
    n = next(_serial)
    county = fields.pop("county", None) or hamedan()
    defaults = {
        "legal_name": f"شرکت آزمایشی {n}",
        "national_id": valid_national_id(n),
        "category": fields.pop("category", None) or category("1702"),
        "county": county,
    }
    return Exhibitor.objects.create(**{**defaults, **fields})


def make_product(exhibitor, name="کارتن پنج لایه", **fields):
    return Product.objects.create(exhibitor=exhibitor, name=name, **fields)


def make_need(exhibitor, name="چسب صنعتی", **fields):
    return Need.objects.create(exhibitor=exhibitor, name=name, **fields)


def verify(user, *, mobile=""):
    """Give ``user`` a verified email (or ``mobile``): what sending requests and
    invitations needs (exhibitors.services.verified)."""
    from django.utils import timezone

    from accounts.models import Account

    now = timezone.now()
    fields = {"mobile": mobile, "mobile_verified_at": now} if mobile else {"email_verified_at": now}
    Account.objects.update_or_create(user=user, defaults=fields)
    return user
