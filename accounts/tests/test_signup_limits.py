"""Sign-up and reset mails, limited: a honeypot on the sign-up forms, sign-ups
per client address, mails per address and per client address, and the same
answer whether or not an address or number has an account. The audit saw 10
sign-ups in a row from one address, and 10 resets for one address send 10
mails."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

import messaging
from accounts.forms import HONEYPOT
from accounts.models import Account, LoginCode
from messaging.models import Message

from .test_password import GOOD, link_in, without_csrf
from .test_sign_in import NOON, NUMBER, ask, code_errors, enter, member, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOON, tick=False) as clock:
        yield clock


def signup_with(client, email="new@example.ir", **extra):
    data = {"email": email, "password1": GOOD, "password2": GOOD}
    return client.post(reverse("signup_email"), data, **extra)


def locked(response):
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    return True


# -- The honeypot -----------------------------------------------------------


@pytest.mark.parametrize("url", ["signup", "signup_email", "login"])
def test_the_honeypot_is_out_of_sight_out_of_the_tab_order_and_unfilled(client, url):
    page = client.get(reverse(url)).content.decode()
    block = re.search(r'<div class="extra-field" aria-hidden="true">(.*?)</div>', page, re.S)
    assert block, page
    field = re.search(r"<input[^>]*>", block.group(1)).group(0)
    assert f'name="{HONEYPOT}"' in field and 'type="text"' in field
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field
    assert "value=" not in field and "required" not in field
    assert "style=" not in block.group(0)
    assert "<label" in block.group(1)
    # site.css hides it, by a class.
    with open(finders.find("css/site.css"), encoding="utf-8") as css:
        assert ".extra-field {" in css.read()


def test_a_filled_honeypot_on_the_email_sign_up_looks_like_success_and_makes_nothing(client):
    response = client.post(
        reverse("signup_email"),
        {"email": "bot@example.ir", "password1": GOOD, "password2": GOOD, HONEYPOT: "hi"},
    )
    human = Client().post(
        reverse("signup_email"),
        {"email": "human@example.ir", "password1": GOOD, "password2": GOOD},
    )
    assert (response.status_code, response.url) == (human.status_code, human.url)
    assert [m.to for m in mail.outbox] == [["human@example.ir"]]
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize("url", ["signup", "login"])
def test_a_filled_honeypot_on_the_mobile_sign_up_looks_like_success_and_sends_nothing(client, url):
    response = client.post(reverse(url), {"mobile": NUMBER, HONEYPOT: "http://spam"})
    assert response.status_code == 302 and response.url == reverse("code")
    page = client.get(reverse("code"))
    assert page.status_code == 200 and page.context["number"] == NUMBER
    assert messaging.outbox == [] and not LoginCode.objects.exists()
    # Nor for a new code; and whatever code the bot types, nothing opens.
    response = client.post(reverse("code_resend"), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert messaging.outbox == [] and not LoginCode.objects.exists()
    response = enter(client, "123456")
    assert [error.code for error in code_errors(response)] == ["expired"]
    assert not signed_in(client) and not get_user_model().objects.exists()


def test_an_empty_honeypot_changes_nothing(client):
    response = client.post(reverse("signup"), {"mobile": NUMBER, HONEYPOT: ""})
    assert response.url == reverse("code") and [sms.to for sms in messaging.outbox] == [NUMBER]


def test_a_filled_honeypot_with_a_bad_email_is_refused_as_anyone_would_be(client):
    response = client.post(
        reverse("signup_email"),
        {"email": "nope", "password1": GOOD, "password2": GOOD, HONEYPOT: "x"},
    )
    assert response.status_code == 200 and response.context["form"].errors["email"]


# -- Sign-ups per client address ---------------------------------------------


def test_sign_ups_from_one_client_address_are_limited(client, settings):
    settings.SIGNUPS_PER_CLIENT = "3/h"
    for n in range(3):
        assert signup_with(client, email=f"u{n}@example.ir").url == reverse("signup_email_sent")
    response = signup_with(client, email="u3@example.ir")
    assert locked(response)
    assert len(mail.outbox) == 3
    # Another client address is another count.
    other = signup_with(Client(), email="u4@example.ir", REMOTE_ADDR="10.9.9.9")
    assert other.url == reverse("signup_email_sent") and len(mail.outbox) == 4


def test_the_default_stops_ten_sign_ups_in_a_row_well_before_a_hundred(client):
    answers = [signup_with(client, email=f"u{n}@example.ir").status_code for n in range(25)]
    assert answers.count(302) == 20 and answers[20:] == [429] * 5


def test_a_refused_form_is_not_counted_as_a_sign_up(client, settings):
    settings.SIGNUPS_PER_CLIENT = "1/h"
    for _ in range(3):
        client.post(reverse("signup_email"), {"email": "x", "password1": "a", "password2": "b"})
    assert signup_with(client).url == reverse("signup_email_sent")


# -- The same answer, and the owner told ------------------------------------


def test_mails_a_sign_up_sends_to_one_address_are_limited_and_the_page_says_the_same(
    client, owner, settings
):
    pages = [without_csrf(Client().get(signup_with(client, email="owner@example.ir").url))]
    pages += [without_csrf(Client().get(signup_with(client, email="owner@example.ir").url))]
    for _ in range(4):
        signup_with(client, email="owner@example.ir")
    assert len(set(pages)) == 1
    assert len(mail.outbox) == 3  # SIGNUP_MAILS_PER_ADDRESS, 3 an hour
    assert get_user_model().objects.count() == 1


def test_links_mailed_to_a_free_address_are_limited_too(client):
    for _ in range(5):
        assert signup_with(client).url == reverse("signup_email_sent")
    assert len(mail.outbox) == 3


def test_the_owners_note_is_a_notice_with_no_secret_and_the_link_is_hidden(client, owner):
    signup_with(client, email="owner@example.ir")
    signup_with(client, email="new@example.ir")
    purposes = dict(Message.objects.values_list("to", "purpose"))
    assert purposes == {"owner@example.ir": "notice", "new@example.ir": "code"}


def test_a_sign_up_link_for_a_mobile_account_with_that_email_is_not_made(client):
    """An account made with a mobile that later confirmed an email has it too."""
    user = member(email="mobile@example.ir")
    signup_with(client, email="Mobile@Example.ir")
    assert "/accounts/signup/email/" not in mail.outbox[0].body
    assert get_user_model().objects.get() == user


def test_the_sign_up_link_is_stored_only_as_a_digest(client):
    signup_with(client)
    token = link_in(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    assert not any(token in str(key) for key in cache._cache)
    assert not any(token.encode() in value for value in cache._cache.values())


def test_a_known_mobile_signing_up_is_simply_sent_a_code_as_a_new_one_is(client):
    """The mobile sign-up was uniform already: a known number signs in."""
    user = member()
    known = ask(client, url="signup")
    new = ask(Client(), mobile="09351112233", url="signup")
    assert (known.status_code, known.url) == (new.status_code, new.url) == (302, "/accounts/code/")
    assert [sms.to for sms in messaging.outbox] == [NUMBER, "09351112233"]
    enter(client, code_of(messaging.outbox[0]))
    assert signed_in(client) == str(user.pk) and Account.objects.count() == 1


def code_of(sms):
    return re.search(r"#(\d{6})$", sms.text).group(1)


# -- Password reset mails -----------------------------------------------------


def reset(client, email="owner@example.ir", **extra):
    return client.post(reverse("password_reset"), {"email": email}, **extra)


def test_ten_resets_for_one_address_send_three_mails_and_say_the_same(client, owner):
    answers = {(r.status_code, r.url) for r in (reset(client) for _ in range(10))}
    assert answers == {(302, reverse("password_reset_done"))}
    assert len(mail.outbox) == 3  # RESET_MAILS_PER_ADDRESS
    assert Message.objects.count() == 3


def test_the_address_count_is_the_address_in_any_case(client, owner, settings):
    settings.RESET_MAILS_PER_ADDRESS = "1/h"
    reset(client, email="OWNER@example.ir")
    reset(client, email=" owner@EXAMPLE.ir")
    assert len(mail.outbox) == 1


def test_resets_from_one_client_address_are_limited(client, owner, settings):
    settings.RESET_MAILS_PER_CLIENT = "3/h"
    for n in range(3):
        assert reset(client, email=f"u{n}@example.ir").status_code == 302
    assert locked(reset(client))
    assert mail.outbox == []
    assert reset(Client(), REMOTE_ADDR="10.9.9.9").status_code == 302
    assert len(mail.outbox) == 1


def test_a_reset_after_the_hour_mails_again(client, owner, _frozen):
    for _ in range(4):
        reset(client)
    _frozen.shift(datetime.timedelta(hours=1))
    reset(client)
    assert len(mail.outbox) == 4
