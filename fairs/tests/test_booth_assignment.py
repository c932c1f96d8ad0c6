"""Organizers assign booths on the hall's plan: safe when two do it at once."""

import threading

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from accounts.testing import sign_in_staff
from fairs import services
from fairs.models import Participation
from fairs.tests.factories import (
    make_booth,
    make_fair,
    make_hall,
    make_organizer,
    make_participation,
)
from portal.tests.helpers import in_language


@pytest.fixture
def hall(db):
    fair = make_fair()
    hall = make_hall(fair, "A")
    make_booth(hall, "A-01", x=0)
    make_booth(hall, "A-02", x=3)
    return hall


def plan_url(hall):
    return reverse("admin:fairs_hall_plan", args=[hall.pk])


@pytest.mark.django_db
class TestHallPlanInTheAdmin:
    def test_the_plan_shows_free_and_taken_booths_and_links_free_ones_to_the_form(
        self, client, hall
    ):
        taken = make_participation(hall.fair, booth=hall.booths.get(code="A-01"))
        sign_in_staff(client, make_organizer())
        page = in_language(client, "en").get(plan_url(hall)).content.decode()
        free = hall.booths.get(code="A-02")
        assert "1 booths taken, 1 free" in page
        assert f'href="?booth={free.pk}"' in page
        assert taken.exhibitor.display_name in page
        assert 'name="participation"' in page and 'name="booth"' in page

    def test_assigning_a_free_booth_to_an_approved_unit(self, client, hall):
        waiting = make_participation(hall.fair)
        booth = hall.booths.get(code="A-02")
        sign_in_staff(client, make_organizer())
        response = client.post(
            plan_url(hall), {"participation": waiting.pk, "booth": booth.pk}, follow=True
        )
        waiting.refresh_from_db()
        assert waiting.booth == booth
        assert response.redirect_chain[-1][0] == plan_url(hall)
        assert "A-02" in str(next(iter(response.context["messages"])))

    def test_a_taken_booth_is_not_offered_and_a_forged_post_is_refused(self, client, hall):
        holder = make_participation(hall.fair, booth=hall.booths.get(code="A-01"))
        waiting = make_participation(hall.fair)
        sign_in_staff(client, make_organizer())
        response = client.post(
            plan_url(hall),
            {"participation": waiting.pk, "booth": holder.booth_id},
        )
        assert response.status_code == 200
        assert response.context["form"].errors["booth"]
        waiting.refresh_from_db()
        assert waiting.booth is None

    @pytest.mark.parametrize("value", ["", "abc", "۹۹۹۹", "-1"])
    def test_bad_choices_are_form_errors(self, client, hall, value):
        sign_in_staff(client, make_organizer())
        response = client.post(plan_url(hall), {"participation": value, "booth": value})
        assert response.status_code == 200
        assert set(response.context["form"].errors) == {"participation", "booth"}

    def test_a_pending_application_cannot_take_a_booth(self, hall):
        pending = make_participation(hall.fair, status=Participation.Status.APPLIED)
        with pytest.raises(ValidationError) as error:
            services.assign_booth(participation=pending, booth=hall.booths.get(code="A-01"))
        assert error.value.code == "not_approved"

    def test_a_booth_of_another_fair_is_refused(self, hall):
        other = make_participation(make_fair())
        with pytest.raises(ValidationError) as error:
            services.assign_booth(participation=other, booth=hall.booths.get(code="A-01"))
        assert error.value.code == "other_fair"

    def test_exhibitors_cannot_see_the_admin_plan(self, stranger_client, hall):
        response = stranger_client.get(plan_url(hall))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]

    def test_staff_who_may_only_view_cannot_assign(self, client, hall, django_user_model):
        viewer = django_user_model.objects.create_user("viewer", is_staff=True)
        viewer.user_permissions.add(Permission.objects.get(codename="view_hall"))
        waiting = make_participation(hall.fair)
        sign_in_staff(client, viewer)
        assert 'name="booth"' not in client.get(plan_url(hall)).content.decode()
        booth = hall.booths.get(code="A-01")
        response = client.post(plan_url(hall), {"participation": waiting.pk, "booth": booth.pk})
        assert response.status_code == 403
        waiting.refresh_from_db()
        assert waiting.booth is None

    def test_an_unknown_hall_goes_back_to_the_list(self, client, hall):
        sign_in_staff(client, make_organizer())
        response = client.get(reverse("admin:fairs_hall_plan", args=[999999]))
        assert response.status_code == 302


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite locks the whole database for a write: row locks need PostgreSQL",
)
# serialized_rollback like the browser tests: a plain transactional test flushes
# and recreates content types, which their restore would then duplicate.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_organizers_assigning_one_booth_at_once_exactly_one_wins():
    fair = make_fair()
    booth = make_booth(make_hall(fair), "A-01")
    first, second = make_participation(fair), make_participation(fair)
    start = threading.Barrier(2)
    outcomes = []

    def assign(participation):
        start.wait()
        try:
            services.assign_booth(participation=participation, booth=booth)
            outcomes.append("assigned")
        except ValidationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(p,)) for p in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["assigned", "booth_taken"]
    assert Participation.objects.filter(booth=booth).count() == 1
