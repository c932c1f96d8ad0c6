"""The fair page's hall lists and the plan's halls come from the cache, and the
writes that change them, announced through the change seam, draw them again."""

import re

import pytest
from django.urls import reverse

from exhibitors import services as exhibitor_services
from exhibitors.tests.factories import category, make_exhibitor, make_need, make_product
from fairs import services as fair_services
from fairs.models import Participation
from fairs.tests.factories import make_booth, make_fair, make_hall, make_participation
from matching import services as matching_services
from portal.lib import changes, fragments
from portal.tests.helpers import count_queries, in_language

pytestmark = pytest.mark.django_db


@pytest.fixture
def fair():
    fair = make_fair(slug="cached")
    hall = make_hall(fair, "A", width=30, depth=10)
    make_participation(fair, make_exhibitor(legal_name="دباغی اول"), booth=make_booth(hall, "A-01"))
    make_booth(hall, "A-02", x=3)
    return fair


def pages(client, fair):
    """The fair page and the plan, their CSRF tokens (new each time) aside."""
    return tuple(
        re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", client.get(url).content.decode())
        for url in (fair.get_absolute_url(), reverse("fairs:plan", args=[fair.slug]))
    )


def test_a_second_visit_costs_fewer_queries_and_the_same_page(client, fair):
    url = fair.get_absolute_url()
    first = count_queries(client, url)
    assert count_queries(client, url) < first
    plan = reverse("fairs:plan", args=[fair.slug])
    first = count_queries(client, plan)
    assert count_queries(client, plan) < first
    assert pages(client, fair) == pages(client, fair)


def test_assigning_a_booth_draws_the_fair_and_its_plan_again(
    client, fair, django_capture_on_commit_callbacks
):
    pages(client, fair)
    newcomer = make_participation(fair, make_exhibitor(legal_name="کارتن‌سازی تازه"))
    with django_capture_on_commit_callbacks(execute=True):
        fair_services.assign_booth(
            participation=Participation.objects.get(pk=newcomer.pk),
            booth=fair.booths.get(code="A-02"),
        )
    page, plan = pages(client, fair)
    assert "کارتن‌سازی تازه" in page and "کارتن‌سازی تازه" in plan


def test_a_product_written_through_its_service_reaches_the_plan(
    client, fair, django_capture_on_commit_callbacks
):
    unit = fair.participations.get().exhibitor
    pages(client, fair)
    with django_capture_on_commit_callbacks(execute=True):
        product = make_product(unit, name="چرم گاوی", category=category("1511"))
        exhibitor_services.item_changed(product, created=True)
    assert "چرم گاوی" in pages(client, fair)[1]


def test_another_fairs_write_leaves_this_fairs_fragments(client, fair):
    other = make_fair(slug="other")
    pages(client, fair)
    before = count_queries(client, fair.get_absolute_url())
    fragments.bump(fairs=[other.pk])
    assert count_queries(client, fair.get_absolute_url()) == before


def test_a_finished_recompute_draws_the_fair_again(client, fair):
    # What the hall's units can have supplied at the fair comes with the list.
    buyer = fair.participations.get().exhibitor
    make_need(buyer, name="چرم گاوی", category=category("1511"))
    maker = make_exhibitor()
    make_product(maker, name="چرم گاوی", category=category("1511"))
    make_participation(fair, maker, booth=fair.booths.get(code="A-02"))
    page = in_language(client, "en").get(fair.get_absolute_url()).content.decode()
    assert "can be supplied" not in page
    changes_before = count_queries(client, fair.get_absolute_url())
    matching_services.Pending.objects.create(kind="fair", key=fair.pk)
    matching_services.recompute("fair", fair.pk)
    assert count_queries(client, fair.get_absolute_url()) > changes_before
    page = client.get(fair.get_absolute_url()).content.decode()
    assert "1 need of the units in this hall can be supplied" in page


def test_each_language_has_its_own_fragment(client, fair):
    persian = in_language(client, "fa").get(fair.get_absolute_url()).content.decode()
    english = in_language(client, "en").get(fair.get_absolute_url()).content.decode()
    assert "سالن A" in persian and "Hall A" in english


def test_the_seam_names_what_it_draws_again(monkeypatch):
    bumped = []
    monkeypatch.setattr(fragments, "bump", lambda **kw: bumped.append(kw))
    fragments.on_change(needs=[1])  # a need changes matches: its recompute bumps
    fragments.on_change(fairs=[7])
    fragments.on_change(units=[3])
    assert bumped == [
        {"fairs": (), "everything": False},
        {"fairs": [7], "everything": False},
        {"fairs": (), "everything": True},
    ]
    assert changes._listeners.count(fragments.on_change) == 1
