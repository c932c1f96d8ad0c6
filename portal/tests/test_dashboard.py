import pytest
from django.urls import reverse

from exhibitors.models import Membership
from exhibitors.tests.factories import category, make_exhibitor, make_need, make_product
from fairs.tests.factories import make_fair, make_participation
from portal.tests.helpers import count_queries

pytestmark = pytest.mark.django_db


def test_a_member_of_one_unit_goes_straight_to_it(owner_client, unit):
    response = owner_client.get(reverse("dashboard"))
    assert response.status_code == 302 and response.url == reverse("dashboard_unit", args=[unit.pk])


def test_someone_without_a_unit_is_offered_to_register_one(stranger_client):
    page = stranger_client.get(reverse("dashboard")).content.decode()
    assert reverse("self:unit_new") in page


def test_a_member_of_several_units_chooses(owner_client, owner):
    Membership.objects.create(user=owner, exhibitor=make_exhibitor(legal_name="دومی"))
    response = owner_client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert len(response.context["memberships"]) == 2


def test_the_unit_dashboard_shows_completeness_items_and_fairs(owner_client, unit):
    make_product(unit, name="کفش", category=category("1520"), monthly_amount=10, amount_unit="pair")
    fair = make_fair(title_fa="نمایشگاه باز")
    response = owner_client.get(reverse("dashboard_unit", args=[unit.pk]))
    assert response.context["open_fairs"] == [fair]
    assert 0 < response.context["completeness"] < 100
    assert "دست‌کم یک نیاز" in response.context["missing"]
    assert "کفش" in response.content.decode()


def test_another_units_dashboard_is_not_found(stranger_client, unit):
    assert stranger_client.get(reverse("dashboard_unit", args=[unit.pk])).status_code == 404


def test_the_unit_dashboard_query_count_stays_flat(owner_client, unit):
    make_product(unit)
    for name in ("چسب صنعتی", "نخ دوخت", "رنگ چرم"):
        # Enough needs that suggested needs are off before and after.
        make_need(unit, name=name)
    # At one fair from the start: being at a fair adds its booths (a fixed few queries).
    make_participation(make_fair(), unit)
    few = count_queries(owner_client, reverse("dashboard_unit", args=[unit.pk]))
    for i in range(12):
        make_product(unit, name=f"محصول {i}", category=category())
        make_need(unit, name=f"نیاز {i}", category=category())
        make_participation(make_fair(), unit)
    assert count_queries(owner_client, reverse("dashboard_unit", args=[unit.pk])) == few
