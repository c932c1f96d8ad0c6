"""Campaigns, their links, claims and the funnel (issue 14)."""

import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

import messaging
from accounts.testing import sign_in_staff
from exhibitors.models import IndustrialPark, Membership
from exhibitors.tests.factories import hamedan, make_exhibitor, make_need, make_product, park
from fairs.models import Participation
from fairs.tests.factories import make_fair, make_organizer, make_participation
from messaging.models import Message, OptOut
from outreach import services
from outreach.admin import CampaignForm
from outreach.models import Campaign, Claim, Recipient
from portal.lib import tasks
from portal.tests.helpers import count_queries, in_language

pytestmark = pytest.mark.django_db

TEMPLATE = "{unit}: به {fair} ({dates}) بیایید. ثبت‌نام تا {deadline}: {link}"


def make_campaign(fair, **fields):
    defaults = {"name": "دعوت", "template_fa": TEMPLATE, "rate": 5}
    return Campaign.objects.create(fair=fair, **{**defaults, **fields})


def code_in(text):
    return re.search(r"/i/([a-z0-9]+)", text).group(1)


def link_of(recipient):
    return code_in(recipient.sms.text)


@pytest.fixture
def fair():
    return make_fair()


@pytest.fixture
def registry():
    """Three units nobody manages, one managed, one with a landline, one with none."""
    return {
        "a": make_exhibitor(legal_name="لبنیات الف", mobile="09181110001"),
        "b": make_exhibitor(legal_name="کارتن ب", mobile="09181110002", park=park()),
        "c": make_exhibitor(legal_name="چرم ج", mobile="09181110003", email="c@example.ir"),
        "landline": make_exhibitor(legal_name="سنگ د", mobile="", phone="08134452170"),
    }


def sent_campaign(fair, **fields):
    campaign = make_campaign(fair, **fields)
    services.send(campaign)
    tasks.run_deferred()
    campaign.refresh_from_db()
    return campaign


# -- Audience and message -------------------------------------------------------


def test_audience_filters_by_place_activity_and_state(fair, registry, owner):
    Membership.objects.create(user=owner, exhibitor=registry["c"], role="owner")
    campaign = Campaign(fair=fair, template_fa=TEMPLATE)
    assert services.audience(campaign).count() == 4
    campaign.state = Campaign.State.NEVER_CLAIMED
    assert set(services.audience(campaign)) == {registry["a"], registry["b"], registry["landline"]}
    campaign.state = Campaign.State.NO_PRODUCT
    assert list(services.audience(campaign)) == [registry["c"]]
    make_product(registry["c"])
    assert list(services.audience(campaign)) == []
    campaign.state = Campaign.State.NOT_APPLIED
    make_participation(fair, registry["a"], status=Participation.Status.APPLIED)
    assert registry["a"] not in services.audience(campaign)
    campaign.state = ""
    campaign.park = park()
    assert list(services.audience(campaign)) == [registry["b"]]
    campaign.park = None
    campaign.isic = "C"  # the factories' 1702 is in section C
    assert services.audience(campaign).count() == 4
    campaign.isic = "10"
    assert services.audience(campaign).count() == 0


def test_earlier_edition_audience(registry):
    ninth = make_fair(series="همدان", starts_on=timezone.localdate() - datetime.timedelta(days=400))
    tenth = make_fair(series="همدان")
    make_participation(ninth, registry["a"])
    make_participation(ninth, registry["b"])
    make_participation(tenth, registry["b"], status=Participation.Status.APPLIED)
    campaign = Campaign(fair=tenth, state=Campaign.State.EARLIER_EDITION)
    assert list(services.audience(campaign)) == [registry["a"]]


@pytest.mark.parametrize(
    ("template", "error"),
    [
        ("", "required"),
        ("   ", "required"),
        ("سلام {owner}", "unknown_placeholder"),
        ("سلام {unit", "broken"),
        ("سلام {unit!r}", "unknown_placeholder"),
    ],
)
def test_a_bad_template_is_a_form_error(fair, template, error):
    form = CampaignForm(
        {"fair": fair.pk, "name": "x", "template_fa": template, "rate": 5, "channel": "sms"}
    )
    assert not form.is_valid()
    assert form.has_error("template_fa", error)


def test_a_template_over_eight_parts_is_a_form_error(fair, registry):
    form = CampaignForm(
        {
            "fair": fair.pk,
            "name": "x",
            "template_fa": "{unit} " + "سلام " * 120,
            "rate": 5,
            "channel": "sms",
        }
    )
    assert not form.is_valid()
    assert form.has_error("template_fa", "too_long")


def test_estimate_counts_parts_and_cost(fair, registry, settings):
    settings.SMS_PRICE_PER_PART = 1000
    estimate = services.estimate(make_campaign(fair))
    assert estimate["count"] == 4
    assert estimate["messages"] == 3  # the landline unit has no mobile
    assert estimate["parts"] >= 2  # Persian, with the link and the opt-out line
    assert estimate["cost"] == estimate["parts"] * 3 * 1000
    assert "لبنیات الف" in estimate["preview"] or "کارتن ب" in estimate["preview"]
    assert "{" not in estimate["preview"]


# -- Sending ----------------------------------------------------------------------


def test_send_freezes_one_message_per_unit_and_skips_with_reasons(fair, registry):
    OptOut.objects.create(number="09181110002", source=OptOut.Source.REPLY)
    twin = make_exhibitor(legal_name="لبنیات دوقلو", mobile="09181110001")  # the same number
    campaign = sent_campaign(fair)
    recipients = {r.unit_id: r for r in Recipient.objects.filter(campaign=campaign)}
    assert len(recipients) == 5
    assert recipients[registry["b"].pk].skip_reason == Recipient.Skip.OPTED_OUT
    assert recipients[registry["landline"].pk].skip_reason == Recipient.Skip.NO_MOBILE
    assert recipients[registry["a"].pk].status == Recipient.Status.QUEUED
    assert recipients[twin.pk].status == Recipient.Status.QUEUED
    assert sorted(sms.to for sms in messaging.outbox) == [
        "09181110001",
        "09181110001",
        "09181110003",
    ]
    # Each unit's message names it and carries its own link.
    codes = {code_in(sms.text) for sms in messaging.outbox}
    assert len(codes) == 3
    assert campaign.status == Campaign.Status.DONE
    # Pressing send again sends nothing more.
    assert services.send(campaign) == 0
    tasks.run_deferred()
    assert len(messaging.outbox) == 3


def test_a_malformed_number_is_skipped(fair):
    unit = make_exhibitor(legal_name="واحد", mobile="09181110009")
    campaign = make_campaign(fair)
    services.send(campaign)
    # A number changed behind the form's back (an old import) is still refused.
    Recipient.objects.filter(unit=unit).update(number="0818111", status="waiting")
    Recipient.objects.filter(campaign=campaign).update(status="waiting")
    Campaign.objects.filter(pk=campaign.pk).update(status="sending")
    services.send_batch(campaign.pk)
    assert Recipient.objects.get(unit=unit).skip_reason == Recipient.Skip.NOT_MOBILE


def test_a_campaign_without_recipients_cannot_be_sent(fair):
    campaign = make_campaign(fair, isic="10")
    with pytest.raises(services.ValidationError) as refused:
        services.send(campaign)
    assert refused.value.code == "no_recipients"
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_batches_hold_the_rate_and_pause_and_resume(fair):
    for i in range(25):
        make_exhibitor(mobile=f"0918200{i:04d}")
    campaign = make_campaign(fair, rate=1)  # ten a batch, a batch every ten seconds
    services.send(campaign)
    assert len(messaging.outbox) == 10
    batches = [job for job in tasks.deferred if job[1].name == "send_batch"]
    assert len(batches) == 1
    when = batches[0][0]
    assert 9 <= (when - timezone.now()).total_seconds() <= 11
    services.pause(campaign)
    tasks.run_deferred()
    assert len(messaging.outbox) == 10  # a paused campaign's batch does nothing
    services.resume(campaign)
    tasks.run_deferred()
    tasks.run_deferred()
    assert len(messaging.outbox) == 25
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DONE


def batches():
    return [job for job in tasks.deferred if job[1].name == "send_batch"]


def test_a_workers_poll_does_not_lower_the_rate_nor_a_late_batch_raise_it(fair):
    for i in range(60):
        make_exhibitor(mobile=f"0918500{i:04d}")
    campaign = make_campaign(fair, rate=1)
    services.send(campaign)
    tasks.deferred.clear()
    second = datetime.timedelta(seconds=1)
    # Picked up 0.6 s after it was due: the next is due ten seconds after the due time.
    due = timezone.now() - 0.6 * second
    assert services.send_batch(campaign.pk, campaign.chain, due.isoformat()) == 10
    [(when, _task, args, _kwargs)] = batches()
    assert when == due + 10 * second
    assert args[-1] == when.isoformat()
    tasks.deferred.clear()
    # Five seconds late (a busy worker): the next counts from now, no burst.
    due = timezone.now() - 5 * second
    started = timezone.now()
    services.send_batch(campaign.pk, campaign.chain, due.isoformat())
    [(when, *_rest)] = batches()
    assert when >= started + 10 * second
    tasks.deferred.clear()
    # A due that is not a time is no time.
    started = timezone.now()
    services.send_batch(campaign.pk, campaign.chain, "<b>soon</b>")
    [(when, *_rest)] = batches()
    assert when >= started + 10 * second


def test_a_worker_dying_mid_batch_sends_nobody_twice(fair, monkeypatch):
    for i in range(6):
        make_exhibitor(mobile=f"0918300{i:04d}")
    campaign = make_campaign(fair)
    calls = {"n": 0}
    real = services.messaging.send_sms

    def dies_on_the_fourth(**kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise SystemExit("killed")
        return real(**kwargs)

    monkeypatch.setattr(services.messaging, "send_sms", dies_on_the_fourth)
    with pytest.raises(SystemExit):
        services.send(campaign)
    monkeypatch.setattr(services.messaging, "send_sms", real)
    services.send_batch(campaign.pk)  # the job again, as a sweeper or a retry runs it
    tasks.run_deferred()
    assert sorted(m.to for m in messaging.outbox) == sorted({m.to for m in messaging.outbox})
    assert len(messaging.outbox) == 6
    assert Message.objects.filter(purpose=Message.Purpose.PROMOTION).count() == 6


def test_low_credit_pauses_and_tells_the_organizer(fair, registry, monkeypatch, settings):
    organizer = make_organizer()
    campaign = make_campaign(fair, created_by=organizer)
    monkeypatch.setattr(services, "credit", lambda fresh=False: 10)
    services.send(campaign)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED
    assert "۱۰" in campaign.pause_reason or "10" in campaign.pause_reason  # what is left
    assert messaging.outbox == []
    assert (
        any("paused" in m.subject for m in mail.outbox)
        or Message.objects.filter(channel="email", to=organizer.email).exists()
    )


def test_quiet_hours_defer_the_batch(fair, registry, settings, monkeypatch):
    later = timezone.now() + datetime.timedelta(hours=3)
    monkeypatch.setattr(services.messaging, "quiet_until", lambda now: later)
    services.send(make_campaign(fair))
    assert messaging.outbox == []
    assert tasks.deferred[0][0] == later


def test_an_opted_out_number_gets_no_reminder(fair, registry):
    first = sent_campaign(fair)
    OptOut.objects.create(number="09181110001", source=OptOut.Source.LINK)
    messaging.outbox.clear()
    reminder = sent_campaign(fair, reminder_of=first, name="یادآوری")
    assert "09181110001" not in [m.to for m in messaging.outbox]
    assert Recipient.objects.get(campaign=reminder, unit=registry["a"]).skip_reason == "opted_out"


def test_a_reminder_skips_those_who_acted(fair, registry, client):
    first = sent_campaign(fair)
    make_participation(fair, registry["c"], status=Participation.Status.APPLIED)
    reminder = sent_campaign(fair, reminder_of=first, name="یادآوری")
    units = set(Recipient.objects.filter(campaign=reminder).values_list("unit", flat=True))
    assert registry["c"].pk not in units
    assert registry["a"].pk in units


# -- Links and claims ---------------------------------------------------------------


@pytest.fixture
def invited(fair, registry):
    campaign = sent_campaign(fair)
    recipient = Recipient.objects.select_related("sms").get(campaign=campaign, unit=registry["a"])
    return recipient, link_of(recipient)


PHONE = (
    "Mozilla/5.0 (Linux; Android 13; SM-A536E) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36"
)


def test_opening_the_link_counts_a_click_and_never_claims(client, invited):
    recipient, code = invited
    for _ in range(3):  # the person opens it three times
        response = client.get(f"/i/{code}", headers={"User-Agent": PHONE})
        assert response.status_code == 200
    recipient.refresh_from_db()
    assert recipient.clicks == 3 and recipient.clicked_at is not None
    assert recipient.used_at is None
    assert not Membership.objects.filter(exhibitor=recipient.unit).exists()
    assert "۰۹•••••••۰۱" in response.content.decode()  # masked, in Persian digits


@pytest.mark.parametrize(
    "headers",
    [
        {"User-Agent": "TelegramBot (like TwitterBot)"},
        {"User-Agent": "WhatsApp/2.23.20.0 A"},
        {"User-Agent": "facebookexternalhit/1.1 Facebot Twitterbot/1.0"},  # iMessage
        {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"},
        {"User-Agent": PHONE, "Sec-Purpose": "prefetch;prerender"},
    ],
)
def test_a_link_preview_is_not_a_click(client, invited, headers):
    recipient, code = invited
    response = client.get(f"/i/{code}", headers=headers)
    assert response.status_code == 200  # the preview shows the page all the same
    recipient.refresh_from_db()
    assert recipient.clicks == 0 and recipient.clicked_at is None
    client.get(f"/i/{code}", headers={"User-Agent": PHONE})  # then the person
    recipient.refresh_from_db()
    assert recipient.clicks == 1 and recipient.clicked_at is not None


@pytest.mark.parametrize(
    "agent",
    [
        PHONE,
        "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 Chrome/120 Mobile Safari",
        # Telegram's own browser: a person who tapped the link inside the app.
        f"{PHONE} Telegram-Android/10.5.0 (Samsung SM-A536E; Android 13; SDK 33; AVERAGE)",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "Version/17.1 Mobile/15E148 Safari/604.1",
    ],
)
def test_a_person_in_any_browser_is_a_click(client, invited, agent):
    recipient, code = invited
    client.get(f"/i/{code}", headers={"User-Agent": agent})
    recipient.refresh_from_db()
    assert recipient.clicks == 1


def test_a_cache_that_fails_fails_neither_the_estimate_nor_the_batch(monkeypatch):
    class Broken:
        def get(self, *args):
            raise ConnectionError("the cache is down")

        set = get

    class Provider:
        def credit(self):
            return 4000

    monkeypatch.setattr(services, "cache", Broken())
    monkeypatch.setattr(services, "get_backend", Provider)
    assert services.credit() == 4000
    assert services.credit(fresh=True) == 4000


def test_the_estimate_reads_the_credit_once_a_minute_a_batch_afresh(monkeypatch):
    asked = []

    class Provider:
        def credit(self):
            asked.append(1)
            return 5000 - len(asked)

    monkeypatch.setattr(services, "get_backend", Provider)
    cache.delete(services.CREDIT_CACHE_KEY)
    assert services.credit() == 4999
    assert services.credit() == 4999  # from the cache
    assert services.credit(fresh=True) == 4998
    assert len(asked) == 2


def test_a_provider_that_cannot_say_is_asked_again(monkeypatch):
    asked = []

    class Provider:
        def credit(self):
            asked.append(1)
            raise OSError("down")

    monkeypatch.setattr(services, "get_backend", Provider)
    cache.delete(services.CREDIT_CACHE_KEY)
    assert services.credit() is None
    assert services.credit() is None
    assert len(asked) == 2


def _code_sms():
    return re.search(r"(\d{6})", messaging.outbox[-1].text).group(1)


def test_the_code_claims_the_unit_and_lands_on_its_profile(client, invited):
    recipient, code = invited
    client.post(f"/i/{code}", {"send": "1"})
    assert messaging.outbox[-1].to == "09181110001"
    response = client.post(f"/i/{code}", {"confirm": "1", "code": _code_sms()})
    unit = recipient.unit
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard_unit", args=[unit.pk]) + "?claimed=1"
    membership = Membership.objects.get(exhibitor=unit)
    assert membership.role == Membership.Role.OWNER
    assert membership.user.account.mobile == "09181110001"
    claim = Claim.objects.get(unit=unit)
    assert claim.source == Claim.Source.LINK and claim.recipient == recipient
    recipient.refresh_from_db()
    assert recipient.used_at is not None
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Check and complete" in page.content.decode() or "بررسی و تکمیل" in page.content.decode()
    # The used link now says so, and offers the next step.
    client.logout()
    again = client.get(f"/i/{code}")
    assert again.status_code == 410
    assert reverse("login") in again.content.decode()


def test_a_wrong_code_claims_nothing(client, invited):
    recipient, code = invited
    client.post(f"/i/{code}", {"send": "1"})
    response = client.post(f"/i/{code}", {"confirm": "1", "code": "۱۲۳۴۵۶"})
    assert response.status_code == 400
    assert not Membership.objects.filter(exhibitor=recipient.unit).exists()
    bad = client.post(f"/i/{code}", {"confirm": "1", "code": "<b>1</b>"})
    assert bad.status_code == 400
    assert "six digits" in bad.content.decode() or "شش رقم" in bad.content.decode()


def test_a_code_typed_in_persian_digits_works(client, invited):
    recipient, code = invited
    client.post(f"/i/{code}", {"send": "1"})
    persian = _code_sms().translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    client.post(f"/i/{code}", {"confirm": "1", "code": persian})
    assert Membership.objects.filter(exhibitor=recipient.unit).exists()


def test_forged_expired_and_used_links(client, invited):
    recipient, code = invited
    assert client.get("/i/aaaaaaaaaa").status_code == 404
    assert client.get("/i/<script>").status_code == 404
    Recipient.objects.filter(pk=recipient.pk).update(expires_at=timezone.now())
    response = client.get(f"/i/{code}")
    assert response.status_code == 410
    assert "به پایان رسیده" in response.content.decode()  # "has expired"
    Recipient.objects.filter(pk=recipient.pk).update(
        expires_at=timezone.now() + datetime.timedelta(days=1), used_at=timezone.now()
    )
    assert client.get(f"/i/{code}").status_code == 410


def test_one_number_for_two_units_claims_only_one(client, fair, registry):
    twin = make_exhibitor(legal_name="لبنیات دوقلو", mobile="09181110001")
    campaign = sent_campaign(fair)
    recipient = Recipient.objects.get(campaign=campaign, unit=registry["a"])
    code = link_of(recipient)
    client.post(f"/i/{code}", {"send": "1"})
    client.post(f"/i/{code}", {"confirm": "1", "code": _code_sms()})
    assert Membership.objects.filter(exhibitor=registry["a"]).exists()
    assert not Membership.objects.filter(exhibitor=twin).exists()


def test_this_is_my_unit_from_the_public_page(client, registry, unit):
    page = client.get(registry["a"].get_absolute_url()).content.decode()
    claim_url = reverse("outreach:unit_claim", args=[registry["a"].pk])
    assert claim_url in page
    # A unit with an owner offers no claim.
    assert (
        reverse("outreach:unit_claim", args=[unit.pk])
        not in client.get(unit.get_absolute_url()).content.decode()
    )
    assert client.get(reverse("outreach:unit_claim", args=[unit.pk])).status_code == 302
    client.post(claim_url, {"send": "1"})
    client.post(claim_url, {"confirm": "1", "code": _code_sms()})
    assert Claim.objects.get(unit=registry["a"]).source == Claim.Source.PAGE
    assert client.get(reverse("outreach:unit_claim", args=[99999])).status_code == 404


def test_a_unit_without_a_mobile_goes_to_the_organizers(client, registry):
    response = client.get(reverse("outreach:unit_claim", args=[registry["landline"].pk]))
    assert response.status_code == 200
    assert (
        reverse("self:access_request", args=[registry["landline"].pk]) in response.content.decode()
    )
    client.post(reverse("outreach:unit_claim", args=[registry["landline"].pk]), {"send": "1"})
    assert messaging.outbox == []


def test_organizers_cannot_claim(client, registry):
    sign_in_staff(client, make_organizer())
    url = reverse("outreach:unit_claim", args=[registry["a"].pk])
    client.post(url, {"send": "1"})
    assert messaging.outbox == []
    assert not Membership.objects.filter(exhibitor=registry["a"]).exists()


def test_a_signed_in_owner_claims_for_their_own_account(client, owner, registry, unit):
    client.force_login(owner)
    url = reverse("outreach:unit_claim", args=[registry["b"].pk])
    client.post(url, {"send": "1"})
    client.post(url, {"confirm": "1", "code": _code_sms()})
    assert Membership.objects.get(exhibitor=registry["b"]).user == owner


def test_revoking_a_claim_frees_the_unit(client, invited):
    recipient, code = invited
    client.post(f"/i/{code}", {"send": "1"})
    client.post(f"/i/{code}", {"confirm": "1", "code": _code_sms()})
    claim = Claim.objects.get()
    organizer = make_organizer()
    assert services.revoke(claim, by=organizer)
    assert not Membership.objects.filter(exhibitor=recipient.unit).exists()
    assert not services.revoke(claim, by=organizer)  # once
    claim.refresh_from_db()
    assert claim.revoked_by == organizer
    # Claimable again, from its page; the link stays used.
    recipient.refresh_from_db()
    assert services.link_problem(recipient) == "used"
    assert not services.is_claimed(recipient.unit)


# -- The funnel and the admin --------------------------------------------------------


@pytest.fixture
def organizer_client(client):
    sign_in_staff(client, make_organizer())
    return client


def test_the_funnel_counts_each_step(client, fair, registry, owner):
    campaign = sent_campaign(fair)
    recipient = Recipient.objects.get(campaign=campaign, unit=registry["a"])
    code = link_of(recipient)
    client.get(f"/i/{code}")
    client.post(f"/i/{code}", {"send": "1"})
    client.post(f"/i/{code}", {"confirm": "1", "code": _code_sms()})
    make_participation(fair, registry["a"], status=Participation.Status.APPROVED)
    # Delivery reports (the locmem provider says delivered).
    tasks.run_deferred()
    [(label, counts)] = services.funnel([campaign])
    assert label is None
    assert counts["recipients"] == 4
    assert counts["sent"] == 3
    assert counts["failed"] == 1  # the landline unit, skipped
    assert counts["clicked"] == 1
    assert counts["claimed"] == 1
    assert counts["applied"] == 1 and counts["approved"] == 1
    assert counts["completed"] == 0
    unit = registry["a"]
    unit.description = "شیر و ماست"
    unit.logo = "logos/a.png"  # the meter's last 5%
    unit.save()
    make_product(unit, monthly_amount=10, amount_unit="ton", category=unit.category)
    make_need(unit, monthly_amount=5, amount_unit="ton", category=unit.category)
    [(_label, counts)] = services.funnel([campaign])
    assert counts["completed"] == 1
    by_park = dict(services.funnel([campaign], by="park"))
    assert by_park[registry["b"].park.name_fa]["recipients"] == 1


def test_a_unit_in_an_invitation_and_its_reminder_counts_once(fair, registry):
    first = sent_campaign(fair)
    reminder = sent_campaign(fair, reminder_of=first, name="یادآوری")
    # Clicked the reminder's link only: clicked, once, in the funnel of both.
    Recipient.objects.filter(campaign=reminder, unit=registry["a"]).update(
        clicked_at=timezone.now()
    )
    [(_label, counts)] = services.funnel([first, reminder])
    assert counts["recipients"] == 4  # four units, not the eight messages' recipients
    assert counts["clicked"] == 1
    by_county = dict(services.funnel([first, reminder], by="county"))
    assert sum(c["recipients"] for c in by_county.values()) == 4


def test_the_funnel_takes_the_same_queries_for_more_recipients(organizer_client, fair, registry):
    campaign = sent_campaign(fair)
    Claim.objects.create(unit=registry["a"], number="09181110001", source="link")
    url = reverse("admin:outreach_campaign_funnel", args=[campaign.pk]) + "?by=division"
    few = count_queries(organizer_client, url)
    sent_campaign(fair, name="دوم")
    for i in range(8):
        make_exhibitor(mobile=f"0918400{i:04d}")
    more = sent_campaign(fair, name="سوم")
    for unit in Recipient.objects.filter(campaign=more).exclude(unit=registry["a"])[:3]:
        Claim.objects.create(unit_id=unit.unit_id, number=unit.number or "x", source="link")
        make_product(unit.unit, monthly_amount=3, amount_unit="ton", category=unit.unit.category)
    url = reverse("admin:outreach_campaign_funnel", args=[more.pk]) + "?by=division"
    assert count_queries(organizer_client, url) == few


def test_funnel_page_chart_and_exports(organizer_client, fair, registry):
    campaign = sent_campaign(fair)
    Recipient.objects.filter(unit=registry["a"]).update(clicked_at=timezone.now())
    url = reverse("admin:outreach_campaign_funnel", args=[campaign.pk])
    page = in_language(organizer_client, "fa").get(url).content.decode()
    assert "<svg" in page and "<rect" in page
    assert "۴" in page  # four recipients, in Persian digits
    rows = list(
        csv.reader(
            io.StringIO(organizer_client.get(url + "?format=csv").content.decode("utf-8-sig"))
        )
    )
    assert rows[1][1] == "4"
    xlsx = organizer_client.get(url + "?format=xlsx&by=county")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(2, 1).value == hamedan().name_fa
    fair_page = organizer_client.get(
        reverse("admin:outreach_campaign_fair_funnel") + f"?fair={fair.pk}"
    )
    assert fair_page.status_code == 200
    assert (
        organizer_client.get(
            reverse("admin:outreach_campaign_fair_funnel") + "?fair=abc"
        ).status_code
        == 404
    )


def test_the_fairs_admin_page_shows_its_campaigns_funnel(organizer_client, fair, registry):
    url = reverse("admin:fairs_fair_change", args=[fair.pk])
    page = in_language(organizer_client, "fa").get(url).content.decode()
    assert "funnel-chart" not in page  # nothing sent yet: no chart
    sent_campaign(fair)
    page = in_language(organizer_client, "fa").get(url).content.decode()
    chart = page[page.index('<svg xmlns="http://www.w3.org/2000/svg" class="funnel-chart"') :]
    chart = chart[: chart.index("</svg>")]
    assert "گیرندگان" in chart  # the steps, in Persian
    assert "۴ (۱۰۰٪)" in chart  # four recipients, all of them


def test_funnel_export_is_formula_safe(organizer_client, fair):
    formula = IndustrialPark.objects.create(name_fa="=cmd|x", county=hamedan())
    make_exhibitor(legal_name="=HYPERLINK(1)", mobile="09181110007", park=formula)
    campaign = sent_campaign(fair)
    url = reverse("admin:outreach_campaign_funnel", args=[campaign.pk])
    body = organizer_client.get(url + "?format=csv&by=park").content.decode("utf-8-sig")
    assert "'=cmd|x" in body


def test_the_admin_sends_only_by_post_with_the_permission(
    organizer_client, client, fair, registry, owner
):
    campaign = make_campaign(fair)
    send_url = reverse("admin:outreach_campaign_send", args=[campaign.pk])
    assert organizer_client.get(send_url).status_code == 403
    assert not Recipient.objects.exists()
    organizer_client.post(send_url)
    organizer_client.post(send_url)  # a double submit
    assert Recipient.objects.filter(campaign=campaign).count() == 4
    change = organizer_client.get(reverse("admin:outreach_campaign_change", args=[campaign.pk]))
    assert change.status_code == 200
    # An exhibitor never reaches it.
    from django.test import Client

    other = Client()
    other.force_login(owner)
    assert other.post(send_url).status_code == 302
    assert (
        other.get(reverse("admin:outreach_campaign_funnel", args=[campaign.pk])).status_code == 302
    )
    assert (
        organizer_client.get(reverse("admin:outreach_campaign_funnel", args=[999])).status_code
        == 404
    )


def test_the_audience_view_follows_the_form(organizer_client, fair, registry):
    url = reverse("admin:outreach_campaign_audience")
    data = organizer_client.get(
        url, {"fair": fair.pk, "template_fa": TEMPLATE, "channel": "sms", "rate": 5}
    ).json()
    assert data["count"] == 4
    data = organizer_client.get(
        url,
        {"fair": fair.pk, "template_fa": TEMPLATE, "park": park().pk, "channel": "sms", "rate": 5},
    ).json()
    assert data["count"] == 1
    bad = organizer_client.get(
        url, {"fair": fair.pk, "template_fa": "{nope}", "channel": "sms", "rate": 5}
    ).json()
    assert "not a placeholder" in bad["text"] or "جای" in bad["text"]
    assert organizer_client.get(url, {"fair": "x"}).status_code == 400


def test_campaign_list_queries_stay_flat(organizer_client, fair, registry):
    sent_campaign(fair)
    url = reverse("admin:outreach_campaign_changelist")
    few = count_queries(organizer_client, url)
    for i in range(5):
        sent_campaign(fair, name=f"دعوت {i}")
    assert count_queries(organizer_client, url) == few


def test_claims_admin_revokes(organizer_client, invited, client):
    recipient, code = invited
    from django.test import Client

    person = Client()
    person.post(f"/i/{code}", {"send": "1"})
    person.post(f"/i/{code}", {"confirm": "1", "code": _code_sms()})
    claim = Claim.objects.get()
    response = organizer_client.post(
        reverse("admin:outreach_claim_changelist"),
        {"action": "revoke", "_selected_action": [claim.pk]},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.revoked_at is not None
    assert not Membership.objects.filter(exhibitor=recipient.unit).exists()


def test_a_link_for_a_unit_claimed_since_opens_the_fair(client, invited, owner):
    recipient, code = invited
    Membership.objects.create(user=owner, exhibitor=recipient.unit, role="owner")
    response = client.get(f"/i/{code}")
    assert response.status_code == 302
    assert response["Location"] == recipient.campaign.fair.get_absolute_url()
    assert recipient.unit.display_name in client.get(response["Location"]).content.decode()


def test_the_demo_has_a_sent_campaign_with_its_funnel():
    from portal import demo

    demo.seed(create_accounts=True)
    campaign = Campaign.objects.get(name=demo.CAMPAIGN["name"])
    assert campaign.status == Campaign.Status.DONE
    [(_label, counts)] = services.funnel([campaign])
    # The units nobody manages: the demo's exhibitors own theirs already.
    assert counts["recipients"] == campaign.recipients.count() > 40
    assert counts["sent"] == counts["recipients"]
    assert counts["clicked"] == 3 and counts["claimed"] == 1
    owned = Membership.objects.values("exhibitor")
    assert not campaign.recipients.filter(unit__in=owned).exclude(claims__isnull=False).exists()
    demo.seed(create_accounts=True)  # again: nothing doubles
    assert Campaign.objects.filter(name=demo.CAMPAIGN["name"]).count() == 1
    assert Claim.objects.count() == 1
