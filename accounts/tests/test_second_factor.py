"""The admin's second factor: an organizer's password, then a code by SMS to
their verified mobile; until both, the admin sends them to sign in."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

import messaging
from accounts.models import Account, Event, LoginCode
from accounts.sites import SECOND_FACTOR
from accounts.testing import sign_in_staff
from accounts.views import PENDING
from fairs.tests.factories import make_organizer

pytestmark = pytest.mark.django_db

MOBILE = "09120000001"
PASSWORD = "pass-1234-word"


@pytest.fixture
def organizer():
    user = make_organizer()
    Account.objects.create(user=user, mobile=MOBILE, mobile_verified_at=timezone.now())
    return user


def english(client):
    client.cookies.load({"django_language": "en"})
    return client


def password_login(client, username="organizer", password=PASSWORD, next_url="/admin/"):
    return client.post(
        reverse("password_login"),
        {"username": username, "password": password, "next": next_url},
    )


def last_code():
    return re.search(r"#(\d{6})$", messaging.outbox[-1].text).group(1)


def enter(client, code):
    return client.post(reverse("code"), {"code": code})


def signed_in(client):
    return client.session.get("_auth_user_id")


def sent_to_sign_in(response, next_url="/admin/"):
    """The admin's answer to someone it does not let in: its login (which is
    the password login), with where they were going."""
    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next={next_url}"
    return True


def test_an_organizers_password_is_not_enough_a_code_follows(client, organizer):
    response = password_login(client)
    assert response.status_code == 302 and response.url == reverse("code")
    assert not signed_in(client)
    assert [sms.to for sms in messaging.outbox] == [MOBILE]
    pending = client.session[PENDING]
    assert {key: pending[key] for key in ("number", "purpose", "user", "next")} == {
        "number": MOBILE,
        "purpose": "second",
        "user": organizer.pk,
        "next": "/admin/",
    }
    assert pending["hash"] == organizer.get_session_auth_hash() and len(pending["nonce"]) == 16
    code = LoginCode.objects.get()
    assert (code.purpose, code.user, code.number) == ("second", organizer, MOBILE)
    # Before the code the admin sends them to the password login.
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('password_login')}?next=%2Fadmin%2F"
    assert not signed_in(client)


def test_with_the_code_the_organizer_reaches_the_admin(client, organizer):
    password_login(client)
    response = enter(client, last_code())
    assert response.status_code == 302 and response.url == "/admin/"
    assert signed_in(client) == str(organizer.pk)
    assert client.session[SECOND_FACTOR] == organizer.pk
    assert PENDING not in client.session
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "admin/index.html" in [template.name for template in response.templates]
    assert response.context["app_list"]  # the fairs, exhibitors … they manage
    assert list(
        Event.objects.filter(user=organizer).order_by("pk").values_list("kind", flat=True)
    ) == ["code_sent", "signed_in"]
    assert LoginCode.objects.get().used_at is not None


def test_a_wrong_code_leaves_the_organizer_out(client, organizer):
    password_login(english(client))
    code = last_code()
    response = enter(client, f"{(int(code) + 1) % 10**6:06d}")
    assert response.status_code == 200
    assert "Wrong code. Tries left: 4." in response.content.decode()
    assert not signed_in(client) and SECOND_FACTOR not in client.session
    assert sent_to_sign_in(client.get("/admin/"))
    assert Event.objects.filter(kind="code_wrong", user=organizer).count() == 1
    assert LoginCode.objects.get().tries == 1


def test_an_expired_second_factor_code_leaves_the_organizer_out(client, organizer):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        password_login(client)
        code = last_code()
        traveller.shift(datetime.timedelta(minutes=2, seconds=1))
        response = enter(client, code)
        assert response.status_code == 200
        assert response.context["form"].errors.as_data()["code"][0].code == "expired"
        assert not signed_in(client)


def test_a_staff_user_logged_in_without_the_second_factor_is_sent_to_sign_in(client, organizer):
    client.force_login(organizer)
    response = client.get("/admin/")
    assert sent_to_sign_in(response)
    response = client.get(response.url)
    assert response.status_code == 302
    assert response.url == f"{reverse('password_login')}?next=%2Fadmin%2F"
    # And the password login asks them, rather than sending them round again.
    assert client.get(response.url).status_code == 200
    # Deeper pages too.
    assert sent_to_sign_in(client.get("/admin/fairs/fair/"), "/admin/fairs/fair/")


def test_a_second_factor_for_someone_else_does_not_count(client, organizer):
    other = make_organizer("other")
    client.force_login(organizer)
    session = client.session
    session[SECOND_FACTOR] = other.pk
    session.save()
    assert sent_to_sign_in(client.get("/admin/"))


def test_sign_in_staff_gives_access_to_the_admin(client, organizer):
    sign_in_staff(client, organizer)
    assert client.get("/admin/").status_code == 200


def test_an_organizer_who_passed_both_is_not_asked_again(client, organizer):
    sign_in_staff(client, organizer)
    response = client.get(reverse("password_login"))
    assert response.status_code == 302 and response.url == reverse("dashboard")
    assert messaging.outbox == []


@pytest.mark.parametrize("verified", [False, True])
def test_an_organizer_without_a_verified_mobile_gets_a_clear_error_and_no_login(client, verified):
    user = make_organizer()
    if verified:  # a number, but never verified
        Account.objects.create(user=user, mobile=MOBILE)
    response = password_login(english(client))
    assert response.status_code == 200
    assert "An organizer needs a verified mobile for the second factor." in (
        response.content.decode()
    )
    assert response.context["form"].non_field_errors()
    assert not signed_in(client) and PENDING not in client.session
    assert messaging.outbox == [] and not LoginCode.objects.exists()


def test_a_wrong_password_sends_no_code(client, organizer):
    response = password_login(client, password="nope")
    assert response.status_code == 200
    assert messaging.outbox == [] and PENDING not in client.session


def test_a_second_password_login_within_a_minute_sends_no_second_code(client, organizer):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        password_login(english(client))
        traveller.shift(datetime.timedelta(seconds=20))
        response = password_login(client)
        assert response.status_code == 200
        assert "Please wait: you can ask for a new code at" in response.content.decode()
        assert len(messaging.outbox) == 1
        # The first code still works.
        assert enter(client, last_code()).url == "/admin/"


def test_the_second_factor_can_be_sent_again_after_a_minute(client, organizer):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        password_login(client)
        traveller.shift(datetime.timedelta(seconds=61))
        client.post(reverse("code_resend"))
        assert [sms.to for sms in messaging.outbox] == [MOBILE, MOBILE]
        assert enter(client, last_code()).url == "/admin/"
        assert client.session[SECOND_FACTOR] == organizer.pk
    assert LoginCode.objects.filter(purpose="second", user=organizer).count() == 2


def test_a_member_logs_in_with_the_password_directly(client, owner):
    response = password_login(client, username="owner@example.ir", password="Goosfand-Sefid-1405")
    assert response.status_code == 302 and response.url == "/admin/"
    assert signed_in(client) == str(owner.pk)
    assert messaging.outbox == [] and not LoginCode.objects.exists()
    # The admin is not for them, password or not.
    assert sent_to_sign_in(client.get("/admin/"))


def test_a_member_with_a_verified_mobile_needs_no_code_for_the_password(client, owner):
    Account.objects.create(user=owner, mobile=MOBILE, mobile_verified_at=timezone.now())
    response = client.post(
        reverse("password_login"),
        {"username": "owner@example.ir", "password": "Goosfand-Sefid-1405"},
    )
    assert response.status_code == 302 and response.url == reverse("dashboard")
    assert signed_in(client) == str(owner.pk)
    assert messaging.outbox == []


def test_the_admins_login_is_the_password_login_with_next(client):
    response = client.get(reverse("admin:login"), {"next": "/admin/fairs/fair/"})
    assert response.status_code == 302
    assert response.url == f"{reverse('password_login')}?next=%2Fadmin%2Ffairs%2Ffair%2F"
    response = client.get(reverse("admin:login"))
    assert response.url == f"{reverse('password_login')}?next=%2Fadmin%2F"


def test_an_organizer_goes_on_to_the_admin_page_they_asked_for(client, organizer):
    response = client.get("/admin/fairs/fair/", follow=True)
    login_url = response.redirect_chain[-1][0]
    assert login_url == f"{reverse('password_login')}?next=%2Fadmin%2Ffairs%2Ffair%2F"
    client.post(login_url, {"username": "organizer", "password": PASSWORD})
    response = enter(client, last_code())
    assert response.url == "/admin/fairs/fair/"
    assert client.get(response.url).status_code == 200


def test_an_organizer_cannot_use_the_code_sign_in_for_the_admin(client, organizer):
    response = english(client).post(reverse("login"), {"mobile": MOBILE})
    assert response.status_code == 200
    assert "Organizers sign in with their password, then a code." in response.content.decode()
    assert messaging.outbox == []
    assert not signed_in(client)
