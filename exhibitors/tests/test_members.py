import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.testing import sign_in_staff
from exhibitors import services
from exhibitors.models import AccessRequest, Invitation, Membership
from exhibitors.tests.factories import make_exhibitor, verify
from portal.lib import tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer(django_user_model):
    user = django_user_model.objects.create_user("org", "org@example.ir", "x", is_staff=True)
    user.groups.add(Group.objects.get(name="Organizers"))
    return user


def test_an_owner_invites_a_colleague_who_accepts(
    owner_client, owner, unit, mailoutbox, client, django_user_model
):
    verify(owner)
    response = owner_client.post(
        reverse("self:members", args=[unit.pk]), {"email": "Colleague@Example.ir", "role": "staff"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "colleague@example.ir"
    assert mailoutbox[0].to == ["colleague@example.ir"]
    link = re.search(r"/dashboard/invitations/[\w-]+/", mailoutbox[0].body)[0]
    assert invitation.token_hash == tokens.digest(link.split("/")[-2])

    colleague = django_user_model.objects.create_user(
        "colleague@example.ir", "colleague@example.ir"
    )
    client.force_login(colleague)
    client.post(link)
    assert Membership.objects.get(user=colleague).role == "staff"
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_an_invitation_for_another_address_is_refused(unit, owner, client, django_user_model):
    invitation = services.invite_member(
        exhibitor=unit, email="a@example.ir", role="staff", invited_by=verify(owner)
    )
    client.force_login(django_user_model.objects.create_user("b@example.ir", "b@example.ir"))
    client.post(invitation.url)
    assert not unit.memberships.filter(user__email="b@example.ir").exists()


def test_a_wrong_token_is_not_found(owner_client):
    assert owner_client.get(reverse("invitation", args=["nonsense"])).status_code == 404


def test_inviting_twice_or_a_member_is_a_form_error(owner_client, unit, owner):
    verify(owner)
    url = reverse("self:members", args=[unit.pk])
    owner_client.post(url, {"email": "c@example.ir", "role": "staff"})
    again = owner_client.post(url, {"email": "C@example.ir", "role": "staff"})
    assert "email" in again.context["form"].errors
    member = owner_client.post(url, {"email": owner.email, "role": "staff"})
    assert "email" in member.context["form"].errors
    assert Invitation.objects.count() == 1


def test_staff_cannot_invite_and_strangers_cannot_see_members(client, unit, django_user_model):
    staff = django_user_model.objects.create_user("s@example.ir", "s@example.ir")
    Membership.objects.create(user=staff, exhibitor=unit, role="staff")
    sign_in_staff(client, staff)
    url = reverse("self:members", args=[unit.pk])
    assert client.post(url, {"email": "x@example.ir", "role": "owner"}).status_code == 403
    assert not Invitation.objects.exists()
    client.force_login(django_user_model.objects.create_user("z@example.ir"))
    assert client.get(url).status_code == 404


def test_the_last_owner_cannot_remove_themself_but_another_owner_can_go(
    owner_client, unit, owner, django_user_model
):
    mine = Membership.objects.get(user=owner)
    url = reverse("self:member_remove", args=[unit.pk, mine.pk])
    owner_client.post(url)
    assert Membership.objects.filter(pk=mine.pk).exists()
    second = Membership.objects.create(
        user=django_user_model.objects.create_user("o2@example.ir"), exhibitor=unit, role="owner"
    )
    owner_client.post(url)
    assert not Membership.objects.filter(pk=mine.pk).exists()
    assert Membership.objects.filter(pk=second.pk).exists()


def test_an_owner_removes_a_staff_member(owner_client, unit, django_user_model):
    staff = Membership.objects.create(
        user=django_user_model.objects.create_user("s@example.ir"), exhibitor=unit, role="staff"
    )
    owner_client.post(reverse("self:member_remove", args=[unit.pk, staff.pk]))
    assert not Membership.objects.filter(pk=staff.pk).exists()


def test_removing_takes_a_post(owner_client, unit, owner):
    mine = Membership.objects.get(user=owner)
    response = owner_client.get(reverse("self:member_remove", args=[unit.pk, mine.pk]))
    assert response.status_code == 405


def test_asking_for_access_mails_the_organizers_and_a_grant_makes_a_member(
    stranger_client, organizer, mailoutbox, django_user_model
):
    verify(django_user_model.objects.get(username="other@example.ir"))
    unit = make_exhibitor()
    url = reverse("self:access_request", args=[unit.pk])
    stranger_client.post(url, {"message": "مدیر فروش هستم"})
    stranger_client.post(url, {"message": "دوباره"})  # a double submit
    access = AccessRequest.objects.get()
    assert access.status == "pending" and access.message == "مدیر فروش هستم"
    assert [m.to for m in mailoutbox] == [["org@example.ir"]]

    services.decide_access(access=access, grant=True)
    assert Membership.objects.get(exhibitor=unit).user == access.user
    assert mailoutbox[-1].to == [access.user.email]


def test_organizers_grant_access_from_the_admin(client, organizer):
    unit = make_exhibitor()
    access = AccessRequest.objects.create(
        user=type(organizer).objects.create_user("asker@example.ir", "asker@example.ir"),
        exhibitor=unit,
    )
    sign_in_staff(client, organizer)
    client.post(
        reverse("admin:exhibitors_accessrequest_changelist"),
        {"action": "grant", "_selected_action": [access.pk]},
    )
    access.refresh_from_db()
    assert access.status == "granted"
    assert unit.memberships.filter(user=access.user, role="staff").exists()


def test_an_invitation_address_longer_than_an_email_may_be_is_a_form_error(owner_client, unit):
    response = owner_client.post(
        reverse("self:members", args=[unit.pk]), {"email": "a" * 250 + "@x.ir", "role": "staff"}
    )
    assert "email" in response.context["form"].errors
    assert not Invitation.objects.exists()
