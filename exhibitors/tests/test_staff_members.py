"""Unit members are exhibitors' accounts only (issue 13, item 7, gap 10): never an
organizer's or an administrator's, through the admin, a raw POST, or any
service that makes a member."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.testing import sign_in_staff
from exhibitors import services
from exhibitors.models import AccessRequest, Invitation, Membership
from exhibitors.tests.factories import make_exhibitor, verify
from exhibitors.tests.test_unit_views import unit_form as portal_unit_form
from fairs.tests.factories import make_organizer
from portal.tests.helpers import in_language

pytestmark = pytest.mark.django_db

REFUSED_EN = "organizers and administrators cannot be members of a unit"


@pytest.fixture
def organizer(client):
    user = make_organizer()
    sign_in_staff(client, user)
    return user


@pytest.fixture
def colleague(django_user_model):
    return django_user_model.objects.create_user("staffer@example.ir", "staffer@example.ir")


def unit_form(unit, members, **extra):
    """The unit's admin page as posted, with ``members`` [(user pk, role)] added."""
    data = {
        "legal_name": unit.legal_name,
        "brand": unit.brand,
        "national_id": unit.national_id,
        "category": unit.category_id,
        "county": unit.county_id,
        "park": "",
        "address": "",
        "phone": "",
        "mobile": "",
        "email": "",
        "website": "",
        "description": "",
    }
    for prefix in ("products", "needs"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    data |= {"memberships-TOTAL_FORMS": str(len(members)), "memberships-INITIAL_FORMS": "0"}
    for i, (user, role) in enumerate(members):
        data |= {f"memberships-{i}-user": str(user), f"memberships-{i}-role": role}
    return data | extra


def test_a_raw_post_of_the_unit_page_with_an_organizer_as_member_is_refused(
    client, organizer, colleague
):
    unit = make_exhibitor()
    other = make_organizer(username="second-organizer")
    url = reverse("admin:exhibitors_exhibitor_change", args=[unit.pk])
    in_language(client, "en")
    response = client.post(url, unit_form(unit, [(other.pk, "owner")]))
    assert response.status_code == 200  # the form again, with the error
    assert REFUSED_EN in response.content.decode().lower()
    assert not Membership.objects.exists()
    # An exhibitor's account is added the same way.
    response = client.post(url, unit_form(unit, [(colleague.pk, "staff")]))
    assert response.status_code == 302
    assert unit.memberships.get().user == colleague


def test_a_superuser_is_refused_on_the_membership_page_too(client, organizer, django_user_model):
    unit = make_exhibitor()
    root = django_user_model.objects.create_superuser("root", "root@example.ir", "x")
    in_language(client, "en")
    response = client.post(
        reverse("admin:exhibitors_membership_add"),
        {"user": root.pk, "exhibitor": unit.pk, "role": "owner"},
    )
    assert response.status_code == 200
    assert REFUSED_EN in response.content.decode().lower()
    assert not Membership.objects.exists()


def test_the_autocomplete_offers_no_organizer_even_to_an_administrator(
    client, organizer, colleague, django_user_model
):
    """Organizers see exhibitors' accounts only (accounts/admin.py); an
    administrator sees every account, but not as a unit's member."""
    root = django_user_model.objects.create_superuser("root", "root@example.ir", "x")
    sign_in_staff(client, root)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "",
            "app_label": "exhibitors",
            "model_name": "membership",
            "field_name": "user",
        },
    )
    ids = {int(row["id"]) for row in response.json()["results"]}
    assert colleague.pk in ids and organizer.pk not in ids and root.pk not in ids


def test_the_model_refuses_a_staff_member(colleague):
    colleague.is_staff = True
    colleague.save()
    membership = Membership(user=colleague, exhibitor=make_exhibitor())
    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    assert "user" in error.value.message_dict


def test_an_organizer_registers_no_unit_on_the_portal(client, organizer):
    in_language(client, "en")
    response = client.post(reverse("self:unit_new"), portal_unit_form())
    assert response.status_code == 200
    assert "cannot be members of a unit" in response.content.decode()
    assert not Membership.objects.exists()


def test_an_organizer_accepting_an_invitation_is_refused(unit, owner, organizer):
    invitation = services.invite_member(
        exhibitor=unit, email=organizer.email, role="owner", invited_by=verify(owner)
    )
    with pytest.raises(ValidationError) as error:
        services.accept_invitation(invitation=invitation, user=organizer)
    assert error.value.code == "staff"
    assert not unit.memberships.filter(user=organizer).exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_organizer_cannot_ask_for_access(organizer):
    verify(organizer)
    with pytest.raises(ValidationError) as error:
        services.request_access(user=organizer, exhibitor=make_exhibitor(), message="")
    assert error.value.code == "staff"
    assert not AccessRequest.objects.exists()


def test_granting_access_to_an_account_made_organizer_since_is_refused_in_the_admin(
    client, organizer, colleague
):
    access = AccessRequest.objects.create(user=colleague, exhibitor=make_exhibitor())
    colleague.is_staff = True
    colleague.save()
    in_language(client, "en")
    response = client.post(
        reverse("admin:exhibitors_accessrequest_changelist"),
        {"action": "grant", "_selected_action": [access.pk]},
        follow=True,
    )
    assert REFUSED_EN in response.content.decode().lower()
    access.refresh_from_db()
    assert access.status == "pending" and not Membership.objects.exists()
