"""Every main page of the demo, checked as a whole: valid HTML (the Nu checker),
Persian digits in Persian pages, no inline script or style attribute.

The demo (seed_demo) is the data: the pages as a visitor, an exhibitor and an
organizer see them. The browser checks (layout, accessibility, layout shift)
are in test_browser_checks.py.
"""

import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from accounts.testing import sign_in_staff
from exhibitors.models import Exhibitor
from fairs.models import Fair
from matching import engine
from outreach.models import Campaign
from portal import demo
from portal.tests.checkers import nu_errors
from portal.tests.helpers import ascii_digits_in_visible_text, in_language

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_site(settings):
    settings.DEBUG = True  # the demo's logins
    call_command("seed_demo", stdout=StringIO())
    engine.rematch()
    fair = Fair.objects.get(slug=demo.FAIR["slug"])
    unit = Exhibitor.objects.get(national_id=demo.EXHIBITOR_UNIT)
    return fair, unit


def public_pages(fair, unit):
    hall = fair.halls.order_by("code").first()
    nobodys = Exhibitor.objects.filter(memberships__isnull=True).order_by("pk").first()
    return {
        # issue 14: a unit nobody manages offers its claim; the claim page; a bad link.
        "unit-claimable": nobodys.get_absolute_url(),
        "claim": f"/exhibitors/{nobodys.pk}/claim/",
        "link-unknown": "/i/aaaaaaaaaa",
        "home": "/",
        "suppliers": "/suppliers/",
        "suppliers-found": "/suppliers/?q=چرم",
        "suppliers-none": "/suppliers/?q=پیچ",
        "suppliers-bad-filter": "/suppliers/?category=9999&q=۱۲",
        "fair": fair.get_absolute_url(),
        "plan": f"/fairs/{fair.slug}/plan/",
        "plan-hall": f"/fairs/{fair.slug}/plan/{hall.code}/?highlight=A-01&q=چرم",
        "unit": unit.get_absolute_url(),
        "login": "/accounts/login/",
        "login-password": "/accounts/login/password/",
        "signup": "/accounts/signup/",
        "signup-email": "/accounts/signup/email/",
        "not-found": "/fairs/no-such-fair/",
    }


def exhibitor_pages(fair, unit):
    return {
        "dashboard": f"/dashboard/units/{unit.pk}/",
        "unit-edit": f"/dashboard/units/{unit.pk}/edit/",
        "need-new": f"/dashboard/units/{unit.pk}/needs/new/",
        "need-edit": f"/dashboard/needs/{unit.needs.order_by('pk').first().pk}/edit/",
        "members": f"/dashboard/units/{unit.pk}/members/",
        "requests": f"/dashboard/units/{unit.pk}/requests/",
        "account": "/accounts/me/",
    }


ADMIN_PAGES = {
    "admin-index": "/admin/",
    "admin-participations": "/admin/fairs/participation/",
    "admin-booths": "/admin/fairs/booth/",
    "admin-units": "/admin/exhibitors/exhibitor/",
    "admin-products": "/admin/exhibitors/product/",
    "admin-needs": "/admin/exhibitors/need/",
    "admin-fairs": "/admin/fairs/fair/",
    "admin-campaigns": "/admin/outreach/campaign/",
    "admin-campaign-add": "/admin/outreach/campaign/add/",
    "admin-claims": "/admin/outreach/claim/",
    "admin-recipients": "/admin/outreach/recipient/",
    "admin-import": "/admin/outreach/importrun/add/",
}


def render_all(client, fair, unit, language):
    """{name: html} of every page, in one language, as each kind of user sees it."""
    client = in_language(client, language)
    pages = {}

    def get(name, url):
        response = client.get(url)
        expected = 404 if name in ("not-found", "link-unknown") else 200
        assert response.status_code == expected, (name, url, response.status_code)
        pages[f"{name}-{language}"] = response.content.decode()

    for name, url in public_pages(fair, unit).items():
        get(name, url)
    client.force_login(User.objects.get(username=demo.EXHIBITOR[0]))
    for name, url in exhibitor_pages(fair, unit).items():
        get(name, url)
    client.logout()
    sign_in_staff(client, User.objects.get(username=demo.ORGANIZER[0]))
    participation = fair.participations.order_by("pk").first()
    campaign = Campaign.objects.get(name=demo.CAMPAIGN["name"])
    admin = {
        **ADMIN_PAGES,
        "admin-fair": f"/admin/fairs/fair/{fair.pk}/change/",
        "admin-participation": f"/admin/fairs/participation/{participation.pk}/change/",
        "admin-campaign": f"/admin/outreach/campaign/{campaign.pk}/change/",
        "admin-funnel": f"/admin/outreach/campaign/{campaign.pk}/funnel/?by=county",
        "admin-fair-funnel": f"/admin/outreach/campaign/funnel/?fair={fair.pk}",
    }
    for name, url in admin.items():
        get(name, url)
    client.logout()
    return pages


BROKEN = "<!doctype html><html lang=en><title>x</title><span><div>a</div></span>"


def test_every_page_is_valid_html_in_both_languages(client, demo_site):
    pages = render_all(client, *demo_site, "fa") | render_all(client, *demo_site, "en")
    errors = nu_errors({"broken": BROKEN, **pages})
    # The checker sees errors: a page made broken on purpose is reported.
    assert "not allowed as child" in errors.pop("broken")[0]
    assert errors == {}, "\n".join(f"{n}: {e}" for n, es in errors.items() for e in es)


def test_no_page_has_an_inline_script_or_style_attribute(client, demo_site):
    pages = render_all(client, *demo_site, "fa")
    for name, html in pages.items():
        if name.startswith("admin"):
            continue  # Django's admin has its own (a CSP for it is issue 13's)
        scripts = re.findall(r"<script\b([^>]*)>", html)
        assert all("src=" in attributes for attributes in scripts), name
        assert not re.search(r"<[^>]+\sstyle=", html), name


# What users typed as a model code in Latin («PE100», «M8») stays as typed;
# our own codes (booths «A-۰۱», ISIC «۱۵۱۱») do not look like that.
MODEL_CODE = re.compile(r"\b[A-Za-z]+[0-9]+[A-Za-z0-9]*\b")


def test_persian_pages_show_no_ascii_digit(client, demo_site):
    pages = render_all(client, *demo_site, "fa")
    found = {}
    for name, html in pages.items():
        texts = [
            t
            for t in ascii_digits_in_visible_text(html)
            if re.search(r"[0-9]", MODEL_CODE.sub("", t))
        ]
        if texts:
            found[name] = texts
    assert found == {}, "\n".join(f"{n}: {t}" for n, ts in found.items() for t in ts)
