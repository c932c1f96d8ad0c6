"""Abuse limits on contact requests (issue 13, item 4): a verified account
writes, at most so many requests a day over all its units, and many quick
replies in a thread make one digest mail instead of a mail each."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import messaging
from accounts.models import Account
from exhibitors.models import Membership
from exhibitors.tests.factories import category, make_exhibitor, make_need, make_product, verify
from matching import engine, services
from matching.models import ContactMessage, ContactRequest, Match
from portal.lib import tasks
from portal.tests.helpers import in_language

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplier(django_user_model):
    unit = make_exhibitor(legal_name="کارتن‌سازی الوند")
    make_product(unit, name="کارتن پنج لایه", category=category("1702"))
    user = django_user_model.objects.create_user("s@example.ir", "s@example.ir", "x-pass-1405")
    Membership.objects.create(user=user, exhibitor=unit, role=Membership.Role.OWNER)
    return unit


@pytest.fixture
def match(unit, supplier):
    make_need(unit, name="کارتن پنج لایه", category=category("1702"))
    engine.rematch()
    return Match.objects.get(need__exhibitor=unit, fair__isnull=True)


def contact_url(unit, match):
    return reverse("contact_new", args=[unit.pk, match.pk])


# -- Verified first ----------------------------------------------------------


def test_an_unverified_account_sees_what_to_verify_instead_of_the_form(owner_client, unit, match):
    html = in_language(owner_client, "en").get(contact_url(unit, match)).content.decode()
    assert "verify your mobile number or your email address" in html
    assert f'href="{reverse("account")}"' in html and 'name="message"' not in html


def test_an_unverified_account_posting_anyway_sends_nothing(owner_client, unit, match):
    response = in_language(owner_client, "en").post(
        contact_url(unit, match), {"subject": "کارتن", "message": "سلام"}
    )
    assert response.status_code == 200
    assert not ContactRequest.objects.exists() and not mail.outbox


def test_the_service_refuses_an_unverified_sender(unit, owner, supplier):
    with pytest.raises(ValidationError) as error:
        services.send_request(sender=unit, receiver=supplier, user=owner, subject="x", message="y")
    assert error.value.code == "unverified"
    assert not ContactRequest.objects.exists()


def test_a_verified_mobile_is_enough(owner_client, owner, unit, match):
    Account.objects.create(user=owner, mobile="09181112233", mobile_verified_at=timezone.now())
    owner_client.post(contact_url(unit, match), {"subject": "کارتن", "message": "سلام"})
    assert ContactRequest.objects.get().sent_by == owner
    assert [m.to for m in mail.outbox] == [["s@example.ir"]]


# -- Per account, over all its units -----------------------------------------


def test_one_account_cannot_multiply_the_daily_limit_with_more_units(
    owner_client, owner, unit, match, supplier, settings
):
    settings.CONTACT_REQUESTS_PER_USER_PER_DAY = 3
    verify(owner)
    second = make_exhibitor(legal_name="واحد دوم")
    Membership.objects.create(user=owner, exhibitor=second, role=Membership.Role.OWNER)

    def send(sender, user=owner):
        services.send_request(sender=sender, receiver=supplier, user=user, subject="x", message="y")

    for sender in (unit, unit, second):
        send(sender)
    with pytest.raises(ValidationError) as error:
        send(second)
    assert error.value.code == "daily_limit"
    in_language(owner_client, "en")
    response = owner_client.post(contact_url(unit, match), {"subject": "کارتن", "message": "سلام"})
    assert "at most 3 requests a day, from all its units" in response.content.decode()
    assert ContactRequest.objects.count() == 3
    # Another account of the same unit still may.
    colleague = type(owner).objects.create_user("c@example.ir", "c@example.ir")
    Membership.objects.create(user=verify(colleague), exhibitor=unit)
    send(unit, colleague)
    # And the next day, the first one again.
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        send(unit)
    assert ContactRequest.objects.count() == 5


# -- Replies: a digest when many come quickly --------------------------------


@pytest.fixture
def thread(unit, owner, supplier):
    verify(owner)
    contact = services.send_request(
        sender=unit, receiver=supplier, user=owner, subject="کارتن", message="سلام"
    )
    mail.outbox.clear()
    return contact


def reply(contact, unit, text):
    return services.reply(request=contact, unit=unit, user=None, message=text)


def test_a_reply_after_a_quiet_while_is_mailed_at_once(thread, unit, supplier):
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=10), tick=False):
        reply(thread, supplier, "موجود است.")
    assert [m.to for m in mail.outbox] == [["owner@example.ir"]]
    assert "موجود است." in mail.outbox[0].body
    assert not tasks.deferred


def test_twenty_five_quick_replies_make_one_mail_then_one_digest(thread, unit, supplier):
    start = timezone.now() + datetime.timedelta(minutes=10)
    with time_machine.travel(start, tick=False) as clock:
        for n in range(25):
            reply(thread, supplier, f"پیام {n}")
            clock.shift(datetime.timedelta(seconds=5))
    # The first at once; the other 24 wait for one digest.
    assert len(mail.outbox) == 1 and "پیام 0" in mail.outbox[0].body
    assert len(tasks.deferred) == 1
    tasks.run_deferred(start + datetime.timedelta(minutes=6))
    assert len(mail.outbox) == 2
    digest = mail.outbox[1]
    assert digest.to == ["owner@example.ir"]
    assert all(f"پیام {n}\n" in digest.body for n in range(1, 25))
    assert "پیام 0\n" not in digest.body
    assert "۲۴" in digest.subject or "24" in digest.subject
    assert ContactMessage.objects.filter(request=thread).count() == 26


def test_replies_that_go_on_past_the_window_make_a_digest_per_window(thread, supplier):
    start = timezone.now() + datetime.timedelta(minutes=10)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(12):  # one a minute for 12 minutes
            reply(thread, supplier, "باز هم")
            clock.shift(datetime.timedelta(minutes=1))
    assert len(mail.outbox) == 1
    # Held from minute 1: windows open at 1 and 6, then 11.
    assert len(tasks.deferred) == 3
    tasks.run_deferred(None)
    assert len(mail.outbox) == 4
    told = sum(m.body.count("باز هم") for m in mail.outbox)
    assert told == 12  # each reply told once


def test_each_side_has_its_own_digest_and_a_late_reply_is_mailed_at_once(thread, unit, supplier):
    start = timezone.now() + datetime.timedelta(minutes=10)
    with time_machine.travel(start, tick=False) as clock:
        reply(thread, supplier, "الف")  # at once
        reply(thread, supplier, "ب")  # held
        reply(thread, unit, "ج")  # the buyer's last was 10 minutes ago: at once
        clock.shift(datetime.timedelta(minutes=1))
        reply(thread, unit, "د")  # held
    assert [m.to for m in mail.outbox] == [["owner@example.ir"], ["s@example.ir"]]
    tasks.run_deferred(start + datetime.timedelta(minutes=7))
    later = {m.to[0]: m.body for m in mail.outbox[2:]}
    assert set(later) == {"owner@example.ir", "s@example.ir"}
    assert "\nب\n" in later["owner@example.ir"] and "الف" not in later["owner@example.ir"]
    assert "\nد\n" in later["s@example.ir"] and "ج" not in later["s@example.ir"]


def test_the_sms_member_gets_one_sms_for_a_digest(unit, owner, django_user_model):
    verify(owner)
    by_sms = make_exhibitor(legal_name="دستکش‌دوزی آرتا")
    user = django_user_model.objects.create_user("09183147720")
    Account.objects.create(user=user, mobile="09183147720", mobile_verified_at=timezone.now())
    Membership.objects.create(user=user, exhibitor=by_sms, role=Membership.Role.OWNER)
    contact = services.send_request(
        sender=by_sms, receiver=unit, user=None, subject="چرم", message="سلام"
    )
    start = timezone.now() + datetime.timedelta(minutes=10)
    with time_machine.travel(start, tick=False):
        for n in range(5):
            reply(contact, unit, f"پاسخ {n}")
    assert len(messaging.outbox) == 1  # the first reply
    tasks.run_deferred(None)
    assert len(messaging.outbox) == 2
    assert f"/dashboard/requests/{contact.pk}/" in messaging.outbox[1].text


def test_the_digest_job_does_nothing_for_a_message_gone_or_a_thread_gone(thread, supplier):
    start = timezone.now() + datetime.timedelta(minutes=10)
    with time_machine.travel(start, tick=False):
        reply(thread, supplier, "الف")
        reply(thread, supplier, "ب")
    held = ContactMessage.objects.get(body="ب")
    assert services.send_reply_digest(thread.pk, supplier.pk, 999999) == 0
    assert services.send_reply_digest(999999, supplier.pk, held.pk) == 0
    held.delete()
    sent = len(mail.outbox)
    tasks.run_deferred(None)
    assert len(mail.outbox) == sent


def test_digests_off_mails_every_reply(thread, supplier, settings):
    settings.CONTACT_REPLY_DIGEST_MINUTES = 0
    for n in range(3):
        reply(thread, supplier, f"پیام {n}")
    assert len(mail.outbox) == 3 and not tasks.deferred


def test_a_reply_through_the_page_is_held_the_same_way(thread, supplier):
    client = Client()
    client.force_login(supplier.memberships.get().user)
    url = reverse("contact_request", args=[thread.pk])
    start = timezone.now() + datetime.timedelta(minutes=10)
    with time_machine.travel(start, tick=False):
        for text in ("یک", "دو", "سه"):
            assert client.post(url, {"body": text}).status_code == 302
    assert len(mail.outbox) == 1 and len(tasks.deferred) == 1
