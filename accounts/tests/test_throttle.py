"""Failed sign-ins are throttled per (account as typed, client address) and
per client address, on every login form: the password login, the admin's
(password and code), and the codes by SMS (asked for and typed). The audit
saw 30 wrong passwords in 19 s, then the right one logged in."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

import messaging
from accounts import throttle
from accounts.models import Account, Event, LoginCode
from accounts.sites import SECOND_FACTOR
from fairs.tests.factories import make_organizer
from portal.lib.text import to_persian_digits
from portal.tests.helpers import ascii_digits_in_visible_text

from .test_sign_in import NOON, NUMBER, another, ask, enter, last_code, signed_in

pytestmark = pytest.mark.django_db

OWNER_PASSWORD = "Goosfand-Sefid-1405"
ORGANIZER_PASSWORD = "pass-1234-word"
MOBILE = "09120000001"


@pytest.fixture(autouse=True)
def _frozen():
    """One instant: the counts' fixed windows never end mid-test unless a test
    moves the clock."""
    with time_machine.travel(NOON, tick=False) as clock:
        yield clock


@pytest.fixture
def organizer():
    user = make_organizer()
    Account.objects.create(user=user, mobile=MOBILE, mobile_verified_at=timezone.now())
    return user


def english(client):
    client.cookies.load({"django_language": "en"})
    return client


def login(client, username="owner@example.ir", password=OWNER_PASSWORD, **extra):
    return client.post(
        reverse("password_login"), {"username": username, "password": password}, **extra
    )


def admin_login(client, password=ORGANIZER_PASSWORD, **extra):
    # The admin's login is the password login, with the admin as next.
    url = client.get(reverse("admin:login"), {"next": "/admin/"}).url
    return client.post(url, {"username": "organizer", "password": password}, **extra)


def locked(response):
    assert response.status_code == 429, response.status_code
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    return True


# -- The portal's password login --------------------------------------------


def test_five_wrong_passwords_then_the_right_one_is_refused(client, owner):
    for _ in range(5):
        response = login(client, password="wrong")
        assert response.status_code == 200 and response.context["form"].errors
    response = login(client)
    assert locked(response)
    assert not signed_in(client)
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert "no-store" in response["Cache-Control"]


def test_the_lock_out_page_says_when_in_persian_digits(client, owner):
    for _ in range(5):
        login(client, password="wrong")
    response = login(client)
    minutes = -(-int(response["Retry-After"]) // 60)
    assert 1 <= minutes <= 15
    page = response.content.decode()
    with translation.override("fa"):
        title = translation.gettext("Too many tries")
        when = translation.ngettext(
            "Try again in %(shown)s minute.", "Try again in %(shown)s minutes.", minutes
        ) % {"shown": to_persian_digits(minutes)}
    assert title in page and when in page
    assert not ascii_digits_in_visible_text(page)
    assert reverse("password_reset") in page


def test_the_lock_out_page_in_english_names_the_minutes(client, owner):
    english(client)
    for _ in range(5):
        login(client, password="wrong")
    response = login(client)
    minutes = -(-int(response["Retry-After"]) // 60)
    unit = "minute" if minutes == 1 else "minutes"
    assert f"Try again in {minutes} {unit}." in response.content.decode()


def test_four_wrong_passwords_leave_the_right_one_in(client, owner):
    for _ in range(4):
        login(client, password="wrong")
    response = login(client)
    assert response.status_code == 302 and signed_in(client) == str(owner.pk)


def test_a_success_starts_the_count_again(client, owner):
    for _ in range(4):
        login(client, password="wrong")
    assert login(client).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert login(client, password="wrong").status_code == 200
    assert login(client).status_code == 302 and signed_in(client)


def test_the_account_is_counted_as_the_login_reads_it(client, owner):
    for typed in ["OWNER@example.ir", " owner@EXAMPLE.ir", "Owner@Example.IR", "owner@example.ir"]:
        login(client, username=typed, password="wrong")
    login(client, username="owner@example.IR ", password="wrong")
    assert locked(login(client))


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("Owner@Example.IR ", "owner@example.ir"),
        ("Organizer", "organizer"),
        ("۰۹۱۲ ۱۲۳ ۴۵۶۷", "09121234567"),
        ("+989121234567", "09121234567"),
        ("", ""),
        (None, ""),
    ],
)
def test_identifier_normalizes_what_is_typed(typed, read):
    assert throttle.identifier(typed) == read


def test_another_client_address_is_not_locked_out(client, owner):
    """Someone guessing from elsewhere does not lock the owner out."""
    for _ in range(10):
        login(client, password="wrong", REMOTE_ADDR="203.0.113.9")
    assert locked(login(client, REMOTE_ADDR="203.0.113.9"))
    other = Client()
    response = login(other, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302 and signed_in(other) == str(owner.pk)


def test_behind_trusted_proxies_each_client_has_its_own_count(client, owner, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    via_proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(5):
        login(client, password="wrong", HTTP_X_FORWARDED_FOR="203.0.113.9", **via_proxy)
    assert locked(login(client, HTTP_X_FORWARDED_FOR="203.0.113.9", **via_proxy))
    # A forged left-hand hop does not change who the client is.
    forged = "198.51.100.7, 203.0.113.9"
    assert locked(login(client, HTTP_X_FORWARDED_FOR=forged, **via_proxy))
    other = Client()
    response = login(other, HTTP_X_FORWARDED_FOR="198.51.100.7", **via_proxy)
    assert response.status_code == 302 and signed_in(other)


def test_the_window_ending_lets_the_owner_in(client, owner, _frozen):
    for _ in range(5):
        login(client, password="wrong")
    response = login(client)
    assert locked(response)
    _frozen.shift(datetime.timedelta(seconds=int(response["Retry-After"]) - 1))
    assert locked(login(client))
    _frozen.shift(datetime.timedelta(seconds=1))
    response = login(client)
    assert response.status_code == 302 and signed_in(client) == str(owner.pk)


def test_a_locked_out_pair_stays_locked_whatever_the_password(client, owner):
    for _ in range(5):
        login(client, password="wrong")
    for password in ["wrong", "", OWNER_PASSWORD]:
        assert locked(login(client, password=password))
    assert not signed_in(client)


def test_an_empty_form_is_not_a_failure(client, owner):
    for _ in range(6):
        assert login(client, password="").status_code == 200
    assert login(client).status_code == 302


def test_one_client_address_has_a_ceiling_over_every_account(client, owner, settings):
    settings.LOGIN_FAILURES_PER_CLIENT = "3/15m"
    for name in ["a@example.ir", "b@example.ir", "c@example.ir"]:
        assert login(client, username=name, password="wrong").status_code == 200
    # Even an account with no failure of its own.
    assert locked(login(client))
    response = login(Client(), REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 302


def test_the_client_ceiling_is_not_cleared_by_a_success(client, owner, settings):
    settings.LOGIN_FAILURES_PER_CLIENT = "3/15m"
    login(client, username="a@example.ir", password="wrong")
    login(client, username="b@example.ir", password="wrong")
    assert login(client).status_code == 302
    client.post(reverse("logout"))
    login(client, username="c@example.ir", password="wrong")
    assert locked(login(client))


def test_the_limits_are_settings(client, owner, settings):
    settings.LOGIN_FAILURES_PER_PAIR = "2/15m"
    login(client, password="wrong")
    login(client, password="wrong")
    assert locked(login(client))


def test_the_counts_hold_on_the_database_cache(client, owner, settings):
    settings.CACHES = {
        "default": {"BACKEND": "portal.lib.cache.DatabaseCache", "LOCATION": "portal_cache"}
    }
    for _ in range(4):
        login(client, password="wrong")
    assert login(client).status_code == 302  # and the pair's count is cleared
    client.post(reverse("logout"))
    for _ in range(4):
        assert login(client, password="wrong").status_code == 200
    login(client, password="wrong")
    assert locked(login(client))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM portal_cache")
        assert cursor.fetchone()[0] >= 2  # the pair's count and the client's


def test_the_cache_holds_no_account_in_clear(client, owner):
    login(client, password="wrong")
    assert not any("owner" in str(key) for key in cache._cache)


# -- The admin's login: its password step and its code step ----------------


def test_the_admins_password_step_five_wrong_then_the_right_one_is_refused(client, organizer):
    for _ in range(5):
        assert admin_login(client, password="wrong").status_code == 200
    response = admin_login(client)
    assert locked(response)
    assert messaging.outbox == [] and not LoginCode.objects.exists()
    assert not signed_in(client) and SECOND_FACTOR not in client.session
    assert client.get("/admin/").status_code == 302


def test_the_admins_password_step_from_another_address_still_works(client, organizer):
    for _ in range(5):
        admin_login(client, password="wrong", REMOTE_ADDR="203.0.113.9")
    other = Client()
    response = admin_login(other, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302 and response.url == reverse("code")
    assert enter(other, last_code(), REMOTE_ADDR="198.51.100.7").url == "/admin/"
    assert other.get("/admin/").status_code == 200


def test_the_admins_code_step_wrong_codes_then_the_right_one_is_refused(
    client, organizer, settings
):
    settings.LOGIN_FAILURES_PER_PAIR = "3/15m"
    assert admin_login(client).url == reverse("code")
    code = last_code()
    for _ in range(3):
        assert enter(client, another(code)).status_code == 200
    assert locked(enter(client, code))
    assert SECOND_FACTOR not in client.session
    assert LoginCode.objects.get().used_at is None
    assert client.get("/admin/").status_code == 302


def test_a_pair_locked_by_wrong_codes_gets_no_new_second_factor(client, organizer, _frozen):
    admin_login(client)
    code = last_code()
    for _ in range(5):
        enter(client, another(code))
    _frozen.shift(datetime.timedelta(seconds=61))
    assert locked(admin_login(client))
    assert len(messaging.outbox) == 1


# -- Codes by SMS: asked for and typed --------------------------------------


def test_wrong_codes_then_the_right_one_is_refused(client, settings):
    settings.LOGIN_FAILURES_PER_PAIR = "3/15m"
    ask(client)
    code = last_code()
    for _ in range(3):
        assert enter(client, another(code)).status_code == 200
    response = enter(client, code)
    assert locked(response)
    assert not signed_in(client) and not Account.objects.exists()
    assert Event.objects.filter(kind="code_limit", detail="lockout").count() == 1


def test_five_wrong_codes_and_the_pair_gets_no_new_code(client, _frozen):
    ask(client)
    code = last_code()
    for _ in range(5):
        enter(client, another(code))
    _frozen.shift(datetime.timedelta(seconds=61))
    assert locked(ask(client))
    assert locked(client.post(reverse("code_resend")))
    assert len(messaging.outbox) == 1


def test_the_number_still_signs_in_from_another_address(client, _frozen):
    ask(client, REMOTE_ADDR="203.0.113.9")
    code = last_code()
    for _ in range(5):
        enter(client, another(code), REMOTE_ADDR="203.0.113.9")
    _frozen.shift(datetime.timedelta(seconds=61))
    other = Client()
    assert ask(other, REMOTE_ADDR="198.51.100.7").url == reverse("code")
    response = enter(other, last_code(), REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302 and signed_in(other)


def test_the_window_ending_lets_the_number_in(client, _frozen):
    ask(client)
    code = last_code()
    for _ in range(5):
        enter(client, another(code))
    _frozen.shift(datetime.timedelta(seconds=61))
    response = ask(client)
    assert locked(response)
    _frozen.shift(datetime.timedelta(seconds=int(response["Retry-After"])))
    assert ask(client).url == reverse("code")
    assert enter(client, last_code()).status_code == 302 and signed_in(client)


def test_a_right_code_clears_the_pairs_count(client, _frozen, settings):
    settings.LOGIN_FAILURES_PER_PAIR = "3/15m"
    ask(client)
    code = last_code()
    enter(client, another(code))
    enter(client, another(code))
    assert enter(client, code).status_code == 302
    client.post(reverse("logout"))
    _frozen.shift(datetime.timedelta(seconds=61))
    ask(client)
    code = last_code()
    enter(client, another(code))
    enter(client, another(code))
    assert enter(client, code).status_code == 302 and signed_in(client)


def test_wrong_passwords_and_codes_share_the_client_ceiling(client, owner, settings):
    settings.LOGIN_FAILURES_PER_CLIENT = "3/15m"
    login(client, password="wrong")
    login(client, password="wrong")
    ask(client, mobile=NUMBER)
    enter(client, another(last_code()))
    assert locked(login(client))
    assert locked(ask(Client(), mobile="09351112233"))
    assert len(messaging.outbox) == 1
