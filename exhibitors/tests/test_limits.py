"""Abuse limits on the unit side (issue 13, item 4): a verified mobile or email
before an account asks for access or invites, and per-account daily limits
on units, access requests and invitations."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from exhibitors import services
from exhibitors.models import AccessRequest, Exhibitor, Invitation, Membership
from exhibitors.tests.factories import make_exhibitor, valid_national_id, verify
from exhibitors.tests.test_unit_views import unit_form
from fairs.tests.factories import make_organizer
from portal.tests.helpers import in_language

pytestmark = pytest.mark.django_db

ACCOUNT = reverse("account")


@pytest.fixture
def stranger(stranger_client, django_user_model):
    """The account stranger_client is signed in with."""
    return django_user_model.objects.get(username="other@example.ir")


@pytest.fixture
def organizers_mail():
    make_organizer()


# -- A verified mobile or email first ----------------------------------------


def test_an_unverified_account_is_shown_what_to_verify_instead_of_the_request_form(
    stranger_client,
):
    unit = make_exhibitor()
    page = in_language(stranger_client, "en").get(reverse("self:access_request", args=[unit.pk]))
    html = page.content.decode()
    assert "verify your mobile number or your email address" in html
    assert f'href="{ACCOUNT}"' in html and 'name="message"' not in html


def test_an_unverified_account_posting_anyway_sends_nothing(stranger_client, organizers_mail):
    unit = make_exhibitor()
    response = in_language(stranger_client, "en").post(
        reverse("self:access_request", args=[unit.pk]), {"message": "مدیر فروش هستم"}
    )
    assert response.status_code == 200
    assert f'href="{ACCOUNT}"' in response.content.decode()
    assert not AccessRequest.objects.exists() and not mail.outbox


@pytest.mark.parametrize(
    "proof",
    [
        {"mobile": "09181234567", "mobile_verified_at": "now"},
        {"email_verified_at": "now"},
    ],
    ids=["mobile", "email"],
)
def test_a_verified_mobile_or_email_is_enough(stranger_client, stranger, organizers_mail, proof):
    now = timezone.now()
    Account.objects.create(user=stranger, **{k: now if v == "now" else v for k, v in proof.items()})
    unit = make_exhibitor()
    stranger_client.post(reverse("self:access_request", args=[unit.pk]), {"message": "سلام"})
    assert AccessRequest.objects.get().user == stranger
    assert [m.to for m in mail.outbox] == [["organizer@example.ir"]]


def test_a_mobile_not_verified_is_not_enough(stranger):
    Account.objects.create(user=stranger, mobile="09181234567")
    assert not services.verified(stranger)


def test_an_unverified_owner_sees_how_to_verify_and_cannot_invite(owner_client, unit):
    url = reverse("self:members", args=[unit.pk])
    html = in_language(owner_client, "en").get(url).content.decode()
    assert f'href="{ACCOUNT}"' in html and 'name="email"' not in html
    response = owner_client.post(url, {"email": "c@example.ir", "role": "staff"})
    assert "verify your mobile number or your email address" in response.content.decode()
    assert not Invitation.objects.exists() and not mail.outbox


# -- Per account and day -----------------------------------------------------


def test_an_account_registers_at_most_the_setting_units_a_day(client, django_user_model, settings):
    settings.UNITS_PER_USER_PER_DAY = 2
    user = django_user_model.objects.create_user("new@example.ir", "new@example.ir")
    client.force_login(user)
    in_language(client, "en")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(2):
            response = client.post(
                reverse("self:unit_new"), unit_form(national_id=valid_national_id())
            )
            assert response.status_code == 302
        refused = client.post(reverse("self:unit_new"), unit_form(national_id=valid_national_id()))
    assert refused.status_code == 200
    assert "at most 2 units a day" in refused.content.decode()
    assert Exhibitor.objects.count() == 2
    with time_machine.travel(start + datetime.timedelta(days=1, minutes=1), tick=False):
        again = client.post(reverse("self:unit_new"), unit_form(national_id=valid_national_id()))
    assert again.status_code == 302 and Exhibitor.objects.count() == 3


def test_units_one_was_invited_to_own_do_not_count(unit, django_user_model, settings):
    """Only units registered today count: an old unit one was made owner of does not."""
    settings.UNITS_PER_USER_PER_DAY = 1
    user = django_user_model.objects.create_user("new@example.ir", "new@example.ir")
    Exhibitor.objects.filter(pk=unit.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=30)
    )
    Membership.objects.create(user=user, exhibitor=unit, role=Membership.Role.OWNER)

    class Form:
        def save(self):
            return make_exhibitor()

    assert services.register_unit(form=Form(), user=user).memberships.get().user == user


def test_an_account_asks_for_access_at_most_the_setting_times_a_day(
    stranger, organizers_mail, settings
):
    settings.ACCESS_REQUESTS_PER_USER_PER_DAY = 2
    verify(stranger)
    for _ in range(2):
        services.request_access(user=stranger, exhibitor=make_exhibitor(), message="")
    with pytest.raises(services.ValidationError) as error:
        services.request_access(user=stranger, exhibitor=make_exhibitor(), message="")
    assert error.value.code == "daily_limit"
    assert AccessRequest.objects.count() == 2 and len(mail.outbox) == 2


def test_the_access_limit_is_said_on_the_page_with_the_message_kept(
    stranger_client, stranger, organizers_mail, settings
):
    settings.ACCESS_REQUESTS_PER_USER_PER_DAY = 0
    verify(stranger)
    response = in_language(stranger_client, "en").post(
        reverse("self:access_request", args=[make_exhibitor().pk]), {"message": "مدیر فروش"}
    )
    html = response.content.decode()
    assert "at most 0 times a day" in html and "مدیر فروش" in html


def test_an_account_sends_at_most_the_setting_invitations_a_day(
    owner_client, owner, unit, settings
):
    settings.INVITATIONS_PER_USER_PER_DAY = 2
    verify(owner)
    url = reverse("self:members", args=[unit.pk])
    for n in range(2):
        owner_client.post(url, {"email": f"c{n}@example.ir", "role": "staff"})
    response = in_language(owner_client, "en").post(
        url, {"email": "c9@example.ir", "role": "staff"}
    )
    assert "at most 2 invitations a day" in response.content.decode()
    assert Invitation.objects.count() == 2 and len(mail.outbox) == 2


def test_the_service_says_what_to_verify(stranger):
    with pytest.raises(services.ValidationError) as error:
        services.request_access(user=stranger, exhibitor=make_exhibitor(), message="")
    assert error.value.code == "unverified"
    assert "account page" in error.value.messages[0]
