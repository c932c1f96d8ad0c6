import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone

from exhibitors.tests.factories import make_exhibitor
from fairs import services
from fairs.models import Fair, Participation
from fairs.tests.factories import make_booth, make_fair, make_hall, make_participation

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer():
    user = User.objects.create_user("org", "org@example.ir", "x", is_staff=True)
    user.groups.add(Group.objects.get(name="Organizers"))
    return user


def apply_url(unit, fair):
    return reverse("apply", args=[unit.pk, fair.slug])


def test_a_unit_applies_to_an_open_fair_and_the_organizers_are_mailed(
    owner_client, unit, organizer, mailoutbox
):
    fair = make_fair()
    response = owner_client.post(apply_url(unit, fair))
    assert response.status_code == 302
    participation = Participation.objects.get()
    assert (participation.exhibitor, participation.status) == (unit, "applied")
    assert [m.to for m in mailoutbox] == [["org@example.ir"]]
    assert unit.legal_name in mailoutbox[0].body


def test_applying_twice_is_refused_with_a_message(owner_client, unit):
    fair = make_fair()
    owner_client.post(apply_url(unit, fair))
    response = owner_client.post(apply_url(unit, fair), follow=True)
    assert Participation.objects.count() == 1
    assert "پیش‌تر برای این نمایشگاه درخواست داده" in response.content.decode()


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Fair.Status.CLOSED},
        {
            "registration_opens_on": timezone.localdate() - datetime.timedelta(days=9),
            "registration_closes_on": timezone.localdate() - datetime.timedelta(days=1),
        },
    ],
)
def test_a_fair_whose_registration_is_not_open_refuses(owner_client, unit, fields):
    fair = make_fair(**fields)
    response = owner_client.post(apply_url(unit, fair), follow=True)
    assert not Participation.objects.exists()
    assert "ثبت‌نام این نمایشگاه باز نیست" in response.content.decode()


def test_a_draft_fair_or_another_unit_is_not_found(owner_client, unit):
    assert owner_client.post(apply_url(unit, make_fair(status="draft"))).status_code == 404
    other = make_exhibitor()
    assert owner_client.post(apply_url(other, make_fair())).status_code == 404
    assert not Participation.objects.exists()


def test_applying_takes_a_post(owner_client, unit):
    assert owner_client.get(apply_url(unit, make_fair())).status_code == 405


def test_withdrawing_before_the_fair_frees_the_booth_and_allows_a_new_application(
    owner_client, unit
):
    fair = make_fair()
    booth = make_booth(make_hall(fair), "A-01")
    participation = make_participation(fair, unit, booth=booth)
    owner_client.post(reverse("withdraw", args=[participation.pk]))
    participation.refresh_from_db()
    assert (participation.status, participation.booth) == ("withdrawn", None)
    owner_client.post(apply_url(unit, fair))
    participation.refresh_from_db()
    assert participation.status == "applied"


def test_withdrawing_after_the_start_is_refused(owner_client, unit):
    today = timezone.localdate()
    fair = make_fair(
        starts_on=today,
        ends_on=today + datetime.timedelta(days=2),
        registration_opens_on=today - datetime.timedelta(days=9),
        registration_closes_on=today,
    )
    participation = make_participation(fair, unit)
    owner_client.post(reverse("withdraw", args=[participation.pk]))
    participation.refresh_from_db()
    assert participation.status == "approved"


def test_another_units_participation_cannot_be_withdrawn(owner_client):
    theirs = make_participation(make_fair())
    assert owner_client.post(reverse("withdraw", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "approved"


def test_a_decision_mails_the_units_members(
    unit, owner, mailoutbox, django_capture_on_commit_callbacks
):
    participation = make_participation(make_fair(), unit, status="applied")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.decide(participations=[participation], status="approved") == 1
    assert [m.to for m in mailoutbox] == [[owner.email]]
    assert "تأییدشده" in mailoutbox[0].subject


def test_a_rejected_application_cannot_be_withdrawn_and_reopened(owner_client, unit, mailoutbox):
    fair = make_fair()
    participation = make_participation(fair, unit, status="rejected")
    owner_client.post(reverse("withdraw", args=[participation.pk]))
    owner_client.post(apply_url(unit, fair))
    participation.refresh_from_db()
    assert participation.status == "rejected"
    assert mailoutbox == []
