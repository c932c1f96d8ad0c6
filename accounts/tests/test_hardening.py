"""What a review found an attacker or an accident could do, and what stops it:
guessing across codes, another session using up a member's code, a code page
left open, a number used before, a superuser without staff."""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

import messaging
from accounts import services
from accounts.models import Account, Event, LoginCode
from accounts.views import PENDING

from .test_second_factor import MOBILE, password_login
from .test_sign_in import NUMBER, another, ask, code_errors, enter, last_code, signed_in

pytestmark = pytest.mark.django_db


def test_twenty_wrong_tries_in_a_day_lock_the_number_whatever_the_codes(client, settings):
    settings.CODES_PER_NUMBER = "100/10m"
    # The day's count, not the lock-out of the pair (test_throttle.py).
    settings.LOGIN_FAILURES_PER_PAIR = "100/15m"
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(services.WRONG_TRIES_A_DAY // services.CODE_TRIES):
            ask(client)
            for _ in range(services.CODE_TRIES):
                enter(client, another(last_code()))
            clock.shift(datetime.timedelta(seconds=61))
        sent = len(messaging.outbox)
        response = ask(client)
        assert response.context["form"].errors.as_data()["mobile"][0].code == "locked"
        assert len(messaging.outbox) == sent
        assert Event.objects.filter(kind="code_limit", detail="locked").count() == 1
        clock.shift(datetime.timedelta(days=1, seconds=1))
        ask(client)
        assert len(messaging.outbox) == sent + 1


def test_codes_typed_from_one_client_address_are_limited_over_every_number(client, settings):
    settings.CODE_CHECKS_PER_CLIENT = "3/h"
    ask(client)
    for _ in range(3):
        enter(client, "000000")
    response = enter(client, last_code())
    assert [error.code for error in code_errors(response)] == ["wait"]
    assert not signed_in(client)


def test_another_session_asking_for_the_same_number_does_not_use_up_the_members_code(
    client, django_user_model
):
    ask(client)
    mine = last_code()
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61), tick=False):
        stranger = type(client)()
        ask(stranger)
        response = enter(client, mine)
    assert response.status_code == 302 and signed_in(client)


def test_a_code_page_left_open_past_ten_minutes_starts_over(client):
    ask(client)
    code = last_code()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11), tick=False):
        response = enter(client, code)
    assert response.status_code == 302 and response.url == reverse("login")
    assert PENDING not in client.session and not signed_in(client)


@pytest.fixture
def organizer():
    from fairs.tests.factories import make_organizer

    user = make_organizer()
    Account.objects.create(user=user, mobile=MOBILE, mobile_verified_at=timezone.now())
    return user


def test_a_password_changed_meanwhile_ends_a_waiting_second_factor(client, organizer):
    password_login(client)
    code = last_code()
    organizer.set_password("a-new-pass-1405-word")
    organizer.save()
    response = enter(client, code)
    assert response.status_code == 302 and response.url == reverse("login")
    assert not signed_in(client)
    assert client.post(reverse("code_resend")).url == reverse("login")
    assert len(messaging.outbox) == 1


def test_a_superuser_without_staff_still_needs_the_second_factor(client):
    user = get_user_model().objects.create_superuser("root", "root@example.ir", "pass-1234-word")
    user.is_staff = False
    user.save()
    Account.objects.create(user=user, mobile=MOBILE, mobile_verified_at=timezone.now())
    response = client.post(
        reverse("password_login"), {"username": "root", "password": "pass-1234-word"}
    )
    assert response.url == reverse("code") and not signed_in(client)
    response = ask(client, mobile=MOBILE)
    assert response.context["form"].errors.as_data()["mobile"][0].code == "staff"


def test_a_number_signed_up_with_before_and_since_moved_makes_a_new_account(client):
    ask(client)
    enter(client, last_code())
    first = get_user_model().objects.get(username=NUMBER)
    first.account.mobile = "09350000000"
    first.account.save()
    client.logout()
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61), tick=False):
        ask(client)
        response = enter(client, last_code())
    assert response.status_code == 302 and signed_in(client)
    second = Account.objects.get(mobile=NUMBER).user
    assert second != first and second.username.startswith(f"{NUMBER}-")


def test_a_new_member_coming_from_a_link_goes_back_to_it(client):
    target = reverse("account")
    client.post(reverse("login") + f"?next={target}", {"mobile": NUMBER, "next": target})
    response = enter(client, last_code())
    assert response.url == target


def test_codes_are_stored_with_the_asking_sessions_nonce(client):
    ask(client)
    assert LoginCode.objects.get().nonce == client.session[PENDING]["nonce"] != ""


def test_an_organizer_cannot_move_the_second_factor_from_a_session(client, organizer):
    from accounts.testing import sign_in_staff

    sign_in_staff(client, organizer)
    response = client.post(reverse("account"), {"mobile": "09351112233"})
    assert response.context["mobile_form"].errors.as_data()["mobile"][0].code == "privileged"
    assert messaging.outbox == []
    organizer.account.refresh_from_db()
    assert organizer.account.mobile == MOBILE
