"""Signing in and up with a mobile number and a code sent by SMS, through the
test client: what is typed, what is sent, what is stored, and the limits."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_ratelimit.core import _get_window

import messaging
from accounts import services
from accounts.models import Account, Event, LoginCode
from accounts.views import PENDING
from exhibitors.models import Membership
from exhibitors.tests.factories import make_exhibitor
from portal.lib.text import to_persian_digits

pytestmark = pytest.mark.django_db

NUMBER = "09121234567"
# 09:30 UTC is 13:00:00 in Tehran (UTC+3:30, no summer time any more). Today,
# so that the sessions made then have not expired when the test reads them.
NOON = datetime.datetime.now(datetime.UTC).replace(hour=9, minute=30, second=0, microsecond=0)


def english(client):
    client.cookies.load({"django_language": "en"})
    return client


def ask(client, mobile=NUMBER, url="login", **extra):
    return client.post(reverse(url), {"mobile": mobile}, **extra)


def code_of(sms):
    """The code in an SMS: on its first line, and after '#' for WebOTP."""
    found = re.findall(r"\b(\d{6})\b", sms.text)
    assert len(found) == 2 and found[0] == found[1], sms.text
    assert sms.text.endswith(f"#{found[0]}")
    return found[0]


def last_code():
    return code_of(messaging.outbox[-1])


def another(code):
    return f"{(int(code) + 1) % 10**6:06d}"


def enter(client, code, **extra):
    return client.post(reverse("code"), {"code": code}, **extra)


def signed_in(client):
    return client.session.get("_auth_user_id")


def kinds():
    return list(Event.objects.order_by("at", "pk").values_list("kind", flat=True))


def mobile_errors(response):
    return response.context["form"].errors.as_data()["mobile"]


def code_errors(response):
    return response.context["form"].errors.as_data()["code"]


def forged(purpose, user=None):
    """A session waiting on a code as the views leave it, with the nonce of the
    last code sent, so that only the purpose or the code can stop it."""
    return {
        "number": NUMBER,
        "purpose": purpose,
        "user": user.pk if user else None,
        "hash": user.get_session_auth_hash() if user else "",
        "next": "/",
        "nonce": LoginCode.objects.latest("created_at").nonce,
        "at": timezone.now().timestamp(),
    }


def member(number=NUMBER, username="member", **fields):
    user = get_user_model().objects.create_user(username, **fields)
    Account.objects.create(user=user, mobile=number, mobile_verified_at=timezone.now())
    return user


def fresh_window(value, period, near=NOON):
    """The first second of a new django-ratelimit window for ``value``.

    Its windows are fixed (each key's shifted by a hash of it), not sliding:
    a test that counts codes inside one starts at its beginning."""
    with time_machine.travel(near, tick=False):
        end = _get_window(value, period)
    return datetime.datetime.fromtimestamp(end + 1, tz=datetime.UTC)


# -- The happy paths --------------------------------------------------------


@pytest.mark.parametrize("url", ["signup", "login"])
def test_a_new_number_gets_one_sms_with_a_six_digit_code_then_an_account(client, url):
    response = ask(client, url=url)
    assert response.status_code == 302 and response.url == reverse("code")
    assert [sms.to for sms in messaging.outbox] == [NUMBER]
    code = last_code()
    assert client.session[PENDING]["number"] == NUMBER
    assert not signed_in(client)
    # The code is kept only as a digest.
    stored = LoginCode.objects.get()
    assert (stored.number, stored.purpose, stored.used_at) == (NUMBER, "sign_in", None)
    assert code not in stored.digest

    response = enter(client, code)
    assert response.status_code == 302 and response.url == reverse("self:unit_new")
    user = get_user_model().objects.get()
    assert user.username == NUMBER and not user.has_usable_password()
    assert user.account.mobile == NUMBER and user.account.mobile_verified_at is not None
    assert user.account.has_verified_mobile
    assert signed_in(client) == str(user.pk)
    assert PENDING not in client.session
    stored.refresh_from_db()
    assert stored.used_at is not None
    # The SMS went through the queue, at once: codes are urgent.
    sent = messaging.models.Message.objects.get()
    assert (sent.channel, sent.to, sent.purpose, sent.status) == ("sms", NUMBER, "code", "sent")
    assert kinds() == ["code_sent", "signed_up", "signed_in"]


def test_the_code_page_names_the_number_in_persian_digits(client):
    ask(client)
    page = client.get(reverse("code")).content.decode()
    assert to_persian_digits(NUMBER) in page
    assert 'autocomplete="one-time-code"' in page


def test_an_existing_member_signing_in_goes_to_the_dashboard(client, owner, unit):
    Account.objects.create(user=owner, mobile=NUMBER, mobile_verified_at=timezone.now())
    ask(client)
    response = enter(client, last_code())
    assert response.status_code == 302 and response.url == reverse("dashboard")
    assert signed_in(client) == str(owner.pk)
    assert get_user_model().objects.count() == 1
    assert kinds() == ["code_sent", "signed_in"]


def test_a_member_goes_back_where_they_were_but_never_to_another_site(client, owner, unit):
    Account.objects.create(user=owner, mobile=NUMBER, mobile_verified_at=timezone.now())
    client.post(f"{reverse('login')}?next=/fairs/", {"mobile": NUMBER})
    assert enter(client, last_code()).url == "/fairs/"
    client.logout()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        client.post(reverse("login"), {"mobile": NUMBER, "next": "https://evil.example/"})
        assert enter(client, last_code()).url == reverse("dashboard")


def test_an_account_without_a_unit_is_asked_for_one(client):
    user = member()
    ask(client)
    response = enter(client, last_code())
    assert response.url == reverse("self:unit_new")
    assert signed_in(client) == str(user.pk)


def test_an_unverified_number_on_an_account_is_verified_by_signing_in(client):
    user = get_user_model().objects.create_user("someone")
    Account.objects.create(user=user, mobile=NUMBER)
    ask(client)
    enter(client, last_code())
    assert signed_in(client) == str(user.pk)
    user.account.refresh_from_db()
    assert user.account.mobile_verified_at is not None


def test_a_signed_in_person_is_sent_from_the_login_page_to_the_dashboard(owner_client):
    assert ask(owner_client).url == reverse("dashboard")
    assert messaging.outbox == []


@pytest.mark.parametrize(
    "typed",
    [
        "09121234567",
        "+989121234567",
        "00989121234567",
        "989121234567",
        "9121234567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "٠٩١٢١٢٣٤٥٦٧",
        "0912 123 4567",
        "0912-123-4567",
        " 0912\u200c123\u200e4567 ",
    ],
)
def test_a_number_typed_any_way_is_the_same_account(client, typed):
    user = member()
    response = ask(client, typed)
    assert response.status_code == 302
    assert [sms.to for sms in messaging.outbox] == [NUMBER]
    enter(client, last_code())
    assert signed_in(client) == str(user.pk)
    assert get_user_model().objects.count() == 1
    assert Event.objects.filter(kind="signed_in").get().number == NUMBER


def test_signing_up_twice_in_two_spellings_makes_one_account(client):
    with time_machine.travel(NOON, tick=False) as traveller:
        ask(client, "+989121234567", url="signup")
        enter(client, last_code())
        client.logout()
        traveller.shift(datetime.timedelta(minutes=1))
        ask(client, "۰۹۱۲ ۱۲۳ ۴۵۶۷", url="signup")
        response = enter(client, last_code())
    assert get_user_model().objects.get().username == NUMBER
    assert Account.objects.get().mobile == NUMBER
    assert signed_in(client) == str(get_user_model().objects.get().pk)
    assert response.url == reverse("self:unit_new")  # still no unit
    assert kinds() == ["code_sent", "signed_up", "signed_in", "code_sent", "signed_in"]


# -- What is refused before a code is sent ------------------------------------


@pytest.mark.parametrize(
    ("typed", "code", "persian"),
    [
        ("0912abc4567", "mobile_invalid", "شماره همراه را مانند ۰۹۱۲۱۲۳۴۵۶۷ وارد کنید."),
        ("1" * 30, "mobile_invalid", "شماره همراه را مانند ۰۹۱۲۱۲۳۴۵۶۷ وارد کنید."),
        ("<b>0912</b>", "mobile_invalid", "شماره همراه را مانند ۰۹۱۲۱۲۳۴۵۶۷ وارد کنید."),
        ("0912123456", "mobile_invalid", "شماره همراه را مانند ۰۹۱۲۱۲۳۴۵۶۷ وارد کنید."),
        ("", "required", "این فیلد لازم است."),
        ("   ", "required", "این فیلد لازم است."),
    ],
)
@pytest.mark.parametrize("url", ["login", "signup"])
def test_what_is_not_a_mobile_is_refused_in_persian_and_sends_nothing(
    client, url, typed, code, persian
):
    response = ask(client, typed, url=url)
    assert response.status_code == 200
    assert [error.code for error in mobile_errors(response)] == [code]
    page = response.content.decode()
    assert persian in page
    assert "<b>0912</b>" not in page  # what was typed is shown escaped
    assert messaging.outbox == [] and not LoginCode.objects.exists()
    assert PENDING not in client.session and not Event.objects.exists()


def test_a_landline_is_refused_as_a_landline(client):
    response = ask(english(client), "08138271234")
    assert [error.code for error in mobile_errors(response)] == ["landline"]
    assert (
        "This is a landline. Codes are sent by SMS: enter a mobile number (09…)."
        in response.content.decode()
    )
    assert messaging.outbox == [] and not LoginCode.objects.exists()


def test_a_landline_in_persian_digits_is_a_landline_too(client):
    response = ask(client, "۰۸۱ ۳۸۲۷ ۱۲۳۴")
    assert [error.code for error in mobile_errors(response)] == ["landline"]
    assert "این شماره تلفن ثابت است." in response.content.decode()
    assert messaging.outbox == []


def test_a_very_long_input_is_refused_before_it_is_read(client):
    response = ask(client, "0" * 41)
    assert response.status_code == 200
    assert mobile_errors(response)
    assert messaging.outbox == []


# -- Codes ------------------------------------------------------------------


def test_a_wrong_code_is_an_error_with_the_tries_left(client):
    ask(english(client))
    response = enter(client, another(last_code()))
    assert response.status_code == 200
    assert [error.code for error in code_errors(response)] == ["wrong"]
    assert "Wrong code. Tries left: 4." in response.content.decode()
    assert not signed_in(client) and not get_user_model().objects.exists()
    assert LoginCode.objects.get().tries == 1
    assert kinds() == ["code_sent", "code_wrong"]
    assert Event.objects.get(kind="code_wrong").number == NUMBER


def test_the_tries_left_are_in_persian_digits_on_a_persian_page(client):
    ask(client)
    response = enter(client, another(last_code()))
    assert [error.code for error in code_errors(response)] == ["wrong"]
    assert "کد نادرست است. تلاش‌های باقی‌مانده: ۴." in response.content.decode()


@pytest.mark.parametrize("typed", ["12345", "1234567", "abcdef", ""])
def test_a_code_that_is_not_six_digits_costs_no_try(client, typed):
    ask(client)
    response = enter(client, typed)
    assert response.status_code == 200 and code_errors(response)
    assert LoginCode.objects.get().tries == 0
    assert kinds() == ["code_sent"]


def test_a_code_in_persian_or_arabic_digits_or_with_spaces_works(client):
    ask(client)
    code = last_code()
    response = enter(client, f" {to_persian_digits(code[:3])} {code[3:]} ")
    assert response.status_code == 302
    assert signed_in(client)


def test_a_code_in_arabic_indic_digits_works(client):
    ask(client)
    arabic = last_code().translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert enter(client, arabic).status_code == 302
    assert signed_in(client)


def test_an_expired_code_is_refused(client):
    with time_machine.travel(NOON, tick=False) as traveller:
        ask(english(client))
        code = last_code()
        traveller.shift(datetime.timedelta(minutes=2, seconds=1))
        response = enter(client, code)
    assert [error.code for error in code_errors(response)] == ["expired"]
    assert "This code has expired or was already used." in response.content.decode()
    assert not signed_in(client) and not get_user_model().objects.exists()


def test_a_code_still_works_just_before_it_expires(client):
    with time_machine.travel(NOON, tick=False) as traveller:
        ask(client)
        code = last_code()
        traveller.shift(datetime.timedelta(minutes=1, seconds=59))
        assert enter(client, code).status_code == 302
    assert signed_in(client)


def test_after_five_wrong_tries_even_the_right_code_is_refused(client, settings):
    # The code's own tries; the pair's lock-out, which comes at the same count
    # by default, is test_throttle.py's.
    settings.LOGIN_FAILURES_PER_PAIR = "100/15m"
    ask(english(client))
    code = last_code()
    for left in (4, 3, 2, 1):
        response = enter(client, another(code))
        assert f"Wrong code. Tries left: {left}." in response.content.decode()
    response = enter(client, another(code))
    assert [error.code for error in code_errors(response)] == ["tries"]
    assert "that was the last try" in response.content.decode()
    response = enter(client, code)
    assert [error.code for error in code_errors(response)] == ["tries"]
    assert "This code was tried too many times." in response.content.decode()
    assert not signed_in(client) and not get_user_model().objects.exists()
    assert LoginCode.objects.get().tries == 5
    assert kinds() == ["code_sent"] + ["code_wrong"] * 5


def test_a_used_code_cannot_be_used_again(client):
    ask(english(client))
    code = last_code()
    enter(client, code)
    assert signed_in(client)
    client.logout()
    # Signed out, there is nothing waiting for a code.
    response = enter(client, code)
    assert response.status_code == 302 and response.url == reverse("login")
    assert not signed_in(client)
    # Even in a session that waits for that number, the used code is refused.
    session = client.session
    session[PENDING] = forged("sign_in")
    session.save()
    response = enter(client, code)
    assert [error.code for error in code_errors(response)] == ["expired"]
    assert not signed_in(client)
    assert Event.objects.filter(kind="signed_in").count() == 1


def test_a_used_code_does_not_work_after_a_new_one_is_asked_for(client, monkeypatch):
    codes = iter([111111, 222222])
    monkeypatch.setattr(services.secrets, "randbelow", lambda n: next(codes))
    with time_machine.travel(NOON, tick=False) as traveller:
        ask(client)
        enter(client, "111111")
        client.logout()
        traveller.shift(datetime.timedelta(seconds=61))
        ask(client)
        assert last_code() == "222222"
        response = enter(client, "111111")
        assert [error.code for error in code_errors(response)] == ["wrong"]
        assert not signed_in(client)


def test_a_code_sent_to_another_number_does_not_sign_in_this_one(client, monkeypatch):
    codes = iter([111111, 222222])
    monkeypatch.setattr(services.secrets, "randbelow", lambda n: next(codes))
    other = type(client)()
    ask(other, "09351112233")
    assert (messaging.outbox[-1].to, last_code()) == ("09351112233", "111111")
    ask(client)
    assert (messaging.outbox[-1].to, last_code()) == (NUMBER, "222222")
    response = enter(client, "111111")
    assert [error.code for error in code_errors(response)] == ["wrong"]
    assert not signed_in(client) and not get_user_model().objects.exists()
    # The other number's code still works, for the other number only.
    enter(other, "111111")
    assert get_user_model().objects.get().username == "09351112233"


def test_a_code_page_without_a_pending_sign_in_goes_to_the_login(client):
    response = client.get(reverse("code"))
    assert response.status_code == 302 and response.url == reverse("login")
    response = enter(client, "123456")
    assert response.status_code == 302 and response.url == reverse("login")
    assert not get_user_model().objects.exists()


def test_a_sign_in_code_does_not_confirm_a_second_factor(client):
    """Codes are kept for one purpose: a sign-in code for an organizer's number
    is no second factor."""
    staff = get_user_model().objects.create_user("boss", password="pass-1234-word")
    Account.objects.create(user=staff, mobile=NUMBER, mobile_verified_at=timezone.now())
    ask(client)
    code = last_code()
    staff.is_staff = True
    staff.save()
    session = client.session
    session[PENDING] = forged("second", staff)
    session.save()
    response = enter(client, code)
    assert [error.code for error in code_errors(response)] == ["expired"]
    assert not signed_in(client)


# -- Staff ------------------------------------------------------------------


def test_an_organizers_number_is_refused_on_the_code_sign_in(client):
    boss = member(username="boss", is_staff=True)
    response = ask(english(client))
    assert response.status_code == 200
    assert [error.code for error in mobile_errors(response)] == ["staff"]
    assert "Organizers sign in with their password, then a code." in response.content.decode()
    assert messaging.outbox == [] and PENDING not in client.session
    assert not signed_in(client)
    assert boss.account.mobile == NUMBER


def test_a_number_that_became_an_organizers_meanwhile_is_refused_at_the_code(client):
    user = member(username="soon-staff")
    ask(english(client))
    code = last_code()
    user.is_staff = True
    user.save()
    response = enter(client, code)
    assert [error.code for error in code_errors(response)] == ["staff"]
    assert not signed_in(client)
    # The code was not spent: it is still live (for nothing a member can do).
    assert LoginCode.objects.get().used_at is None


# -- Limits -----------------------------------------------------------------


def test_a_second_code_within_a_minute_is_refused_with_the_time(client):
    with time_machine.travel(NOON, tick=False) as traveller:
        ask(english(client))
        traveller.shift(datetime.timedelta(seconds=30))
        response = ask(client)
    assert response.status_code == 200
    [error] = mobile_errors(response)
    assert error.code == "wait"
    assert error.params["at"] == NOON + datetime.timedelta(seconds=60)
    assert "you can ask for a new code at 13:01:00." in response.content.decode()
    assert len(messaging.outbox) == 1
    assert kinds() == ["code_sent", "code_limit"]


def test_the_wait_is_told_in_persian_digits_on_a_persian_page(client):
    with time_machine.travel(NOON, tick=False) as traveller:
        ask(client)
        page = client.get(reverse("code")).content.decode()
        # The code page counts down to the next code.
        assert "۱۳:۰۱:۰۰" in page
        traveller.shift(datetime.timedelta(seconds=30))
        response = ask(client)
    page = response.content.decode()
    assert "لطفاً صبر کنید: ساعت ۱۳:۰۱:۰۰ می‌توانید کد تازه بخواهید." in page
    assert "13:01:00" not in page


def test_after_a_minute_a_new_code_is_sent_and_the_old_one_stops_working(client, monkeypatch):
    codes = iter([111111, 222222])
    monkeypatch.setattr(services.secrets, "randbelow", lambda n: next(codes))
    with time_machine.travel(NOON, tick=False) as traveller:
        ask(client)
        traveller.shift(datetime.timedelta(seconds=60))
        response = client.post(reverse("code_resend"))
        assert response.status_code == 302 and response.url == reverse("code")
        assert [code_of(sms) for sms in messaging.outbox] == ["111111", "222222"]
        response = enter(client, "111111")
        assert [error.code for error in code_errors(response)] == ["wrong"]
        assert enter(client, "222222").status_code == 302
    assert signed_in(client)
    assert LoginCode.objects.filter(used_at__isnull=True).count() == 0


def test_the_resend_button_respects_the_minute(client):
    with time_machine.travel(NOON, tick=False):
        ask(english(client))
        response = client.post(reverse("code_resend"), follow=True)
    assert len(messaging.outbox) == 1
    assert "Please wait: you can ask for a new code at 13:01:00." in response.content.decode()
    assert kinds() == ["code_sent", "code_limit"]


def test_the_resend_button_says_a_new_code_is_on_its_way(client):
    with time_machine.travel(NOON, tick=False) as traveller:
        ask(english(client))
        traveller.shift(datetime.timedelta(seconds=61))
        response = client.post(reverse("code_resend"), follow=True)
    assert "A new code is on its way." in response.content.decode()
    assert [sms.to for sms in messaging.outbox] == [NUMBER, NUMBER]


def test_resending_takes_a_post_and_a_pending_sign_in(client):
    assert client.get(reverse("code_resend")).status_code == 405
    response = client.post(reverse("code_resend"))
    assert response.status_code == 302 and response.url == reverse("login")
    assert messaging.outbox == []


def test_a_fourth_code_in_ten_minutes_is_refused_until_the_window_passes(client):
    start = fresh_window(NUMBER, 600)
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(3):
            assert ask(english(client)).status_code == 302
            traveller.shift(datetime.timedelta(seconds=61))
        assert len(messaging.outbox) == 3
        response = ask(client)
        [error] = mobile_errors(response)
        assert error.code == "wait"
        at = error.params["at"]
        assert at == start + datetime.timedelta(seconds=600)
        shown = timezone.localtime(at).strftime("%H:%M:%S")
        assert f"you can ask for a new code at {shown}." in response.content.decode()
        assert len(messaging.outbox) == 3
        # Still refused a little before then, and the code page says when.
        traveller.shift(datetime.timedelta(minutes=5))
        assert mobile_errors(ask(client))[0].params["at"] == at
        page = client.get(reverse("code")).content.decode()
        assert shown in page
        assert len(messaging.outbox) == 3
        # A second before the time it gave, still not; at that time, a code again.
        traveller.move_to(at - datetime.timedelta(seconds=1))
        assert mobile_errors(ask(client))[0].params["at"] == at
        traveller.move_to(at)
        assert ask(client).status_code == 302
    assert len(messaging.outbox) == 4
    assert kinds() == ["code_sent"] * 3 + ["code_limit"] * 3 + ["code_sent"]


def test_resending_counts_against_the_same_limit(client):
    start = fresh_window(NUMBER, 600)
    with time_machine.travel(start, tick=False) as traveller:
        ask(english(client))
        for _ in range(2):
            traveller.shift(datetime.timedelta(seconds=61))
            client.post(reverse("code_resend"))
        traveller.shift(datetime.timedelta(seconds=61))
        response = client.post(reverse("code_resend"), follow=True)
    assert len(messaging.outbox) == 3
    assert "Please wait" in response.content.decode()


def test_one_client_address_gets_only_so_many_codes_for_any_numbers(client, settings):
    settings.CODES_PER_CLIENT = "2/h"
    with time_machine.travel(fresh_window("10.1.2.3", 3600), tick=False):
        for number in ("09121111111", "09122222222"):
            assert ask(client, number, REMOTE_ADDR="10.1.2.3").status_code == 302
        response = ask(english(client), "09123333333", REMOTE_ADDR="10.1.2.3")
        assert [error.code for error in mobile_errors(response)] == ["wait"]
        assert "Please wait" in response.content.decode()
        # Another address is another client.
        assert ask(type(client)(), "09123333333", REMOTE_ADDR="10.9.9.9").status_code == 302
    assert [sms.to for sms in messaging.outbox] == ["09121111111", "09122222222", "09123333333"]
    limited = Event.objects.get(kind="code_limit")
    assert (limited.number, limited.client) == ("09123333333", "10.1.2.3")


def test_every_outcome_is_an_event_with_the_number_and_the_client(client):
    with time_machine.travel(NOON, tick=False):
        ask(client, REMOTE_ADDR="10.4.4.4")
        code = last_code()
        enter(client, another(code), REMOTE_ADDR="10.4.4.4")
        ask(type(client)(), REMOTE_ADDR="10.4.4.4")
        enter(client, code, REMOTE_ADDR="10.4.4.4")
    user = get_user_model().objects.get()
    events = list(Event.objects.order_by("at", "pk"))
    assert [event.kind for event in events] == [
        "code_sent",
        "code_wrong",
        "code_limit",
        "signed_up",
        "signed_in",
    ]
    assert {event.number for event in events} == {NUMBER}
    assert {event.client for event in events} == {"10.4.4.4"}
    assert [event.user_id for event in events] == [None, None, None, user.pk, user.pk]
    assert Event.objects.get(kind="code_sent").detail == "sign_in"


def test_the_limits_hold_on_the_database_cache_too(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }
    start = fresh_window(NUMBER, 600)
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(3):
            assert ask(client).status_code == 302
            traveller.shift(datetime.timedelta(seconds=61))
        response = ask(client)
    assert [error.code for error in mobile_errors(response)] == ["wait"]
    assert len(messaging.outbox) == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM portal_cache")
        assert cursor.fetchone()[0] >= 2  # the number's count and the client's


def test_a_member_of_a_unit_signing_up_again_is_simply_signed_in(client):
    user = member()
    Membership.objects.create(user=user, exhibitor=make_exhibitor(), role=Membership.Role.OWNER)
    ask(client, url="signup")
    assert enter(client, last_code()).url == reverse("dashboard")
    assert get_user_model().objects.count() == 1


def test_a_deactivated_account_cannot_sign_in_with_a_code(client):
    user = member()
    user.is_active = False
    user.save()
    response = ask(english(client))
    # Refused at the number: no code is sent to an account that cannot use it.
    assert response.status_code == 200
    assert [error.code for error in mobile_errors(response)] == ["inactive"]
    assert messaging.outbox == []
    assert not signed_in(client)
    assert client.get(reverse("dashboard")).status_code == 302
    assert not Event.objects.filter(kind="signed_in").exists()


def test_a_deactivated_account_is_told_so_in_persian(client):
    user = member()
    user.is_active = False
    user.save()
    response = ask(client)
    assert "این حساب غیر فعال است." in response.content.decode()
