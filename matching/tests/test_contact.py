"""Contact requests: from a match to the other unit's members, a thread, a daily limit."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from exhibitors.models import Membership
from exhibitors.tests.factories import category, make_exhibitor, make_need, make_product, verify
from matching import engine, services
from matching.models import ContactRequest, Match
from portal.tests.helpers import in_language

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplier(django_user_model):
    unit = make_exhibitor(legal_name="کارتن‌سازی الوند")
    make_product(unit, name="کارتن پنج لایه", category=category("1702"))
    user = django_user_model.objects.create_user("s@example.ir", "s@example.ir", "x-pass-1405")
    Membership.objects.create(user=user, exhibitor=unit, role=Membership.Role.OWNER)
    return unit


@pytest.fixture(autouse=True)
def _owner_verified(owner):
    """Only a verified account writes to other units (test_limits.py)."""
    verify(owner)


@pytest.fixture
def match(unit, supplier):
    make_need(
        unit,
        name="كارتن پنج لايه",
        category=category("1702"),
        monthly_amount=500,
        amount_unit="piece",
    )
    engine.rematch()
    return Match.objects.get(need__exhibitor=unit, fair__isnull=True)


def contact_url(unit, match):
    return reverse("contact_new", args=[unit.pk, match.pk])


def test_a_buyer_writes_to_the_supplier_whose_members_get_an_email(owner_client, unit, match):
    page = owner_client.get(contact_url(unit, match)).content.decode()
    assert "كارتن" in page or "کارتن" in page  # the subject is prefilled with the need
    response = owner_client.post(
        contact_url(unit, match),
        {
            "subject": "کارتن پنج لایه",
            "amount": "۵۰۰",
            "amount_unit": "piece",
            "message": "سلام، ماهی ۵۰۰ عدد کارتن لازم داریم.",
        },
    )
    contact = ContactRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "contact_request", args=[contact.pk]
    )
    assert (contact.sender, contact.receiver_id, contact.amount) == (
        unit,
        match.product.exhibitor_id,
        500,
    )
    assert contact.messages.get().body.startswith("سلام")
    assert [m.to for m in mail.outbox] == [["s@example.ir"]]
    assert mail.outbox[0].alternatives  # text and HTML


def test_the_receiver_answers_then_declines_and_both_see_the_thread(
    owner_client, unit, match, supplier
):
    contact = services.send_request(
        sender=unit, receiver=supplier, user=None, subject="کارتن", message="سلام"
    )
    client = Client()
    client.force_login(supplier.memberships.get().user)
    url = reverse("contact_request", args=[contact.pk])
    client.post(url, {"body": "موجود است."})
    contact.refresh_from_db()
    assert contact.status == "answered"
    page = owner_client.get(url).content.decode()
    assert "موجود است." in page and "سلام" in page
    # The sender cannot decline; the receiver can.
    owner_client.post(reverse("contact_decline", args=[contact.pk]))
    contact.refresh_from_db()
    assert contact.status == "answered"
    client.post(reverse("contact_decline", args=[contact.pk]))
    contact.refresh_from_db()
    assert contact.status == "declined"
    response = owner_client.post(url, {"body": "هنوز؟"})
    assert response.status_code == 200 and contact.messages.count() == 2


def test_a_stranger_sees_neither_the_form_nor_the_thread(stranger_client, unit, match, supplier):
    contact = services.send_request(
        sender=unit, receiver=supplier, user=None, subject="کارتن", message="سلام"
    )
    assert stranger_client.get(contact_url(unit, match)).status_code == 404
    assert stranger_client.get(reverse("contact_request", args=[contact.pk])).status_code == 404
    assert stranger_client.get(reverse("contact_requests", args=[unit.pk])).status_code == 404


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("", "This field is required."),
        ("x" * 10_000, "at most 4000"),
        ("   ", "This field is required."),
    ],
)
def test_empty_and_oversized_messages_are_refused_and_nothing_is_sent(
    owner_client, unit, match, message, error
):
    in_language(owner_client, "en")
    response = owner_client.post(contact_url(unit, match), {"subject": "کارتن", "message": message})
    assert response.status_code == 200
    assert (
        error.replace("4000", "4,000") in response.content.decode()
        or error in response.content.decode()
    )
    assert not ContactRequest.objects.exists() and not mail.outbox


def test_an_amount_needs_a_unit_and_must_be_positive(owner_client, unit, match):
    in_language(owner_client, "en")
    response = owner_client.post(
        contact_url(unit, match), {"subject": "کارتن", "message": "سلام", "amount": "500"}
    )
    assert "Say in what unit" in response.content.decode()
    response = owner_client.post(
        contact_url(unit, match),
        {"subject": "کارتن", "message": "سلام", "amount": "-5", "amount_unit": "piece"},
    )
    assert "more than zero" in response.content.decode()
    assert not ContactRequest.objects.exists()


def test_to_oneself_and_to_a_unit_without_members_are_refused(unit):
    lonely = make_exhibitor()
    with pytest.raises(ValidationError) as error:
        services.send_request(sender=unit, receiver=unit, user=None, subject="x", message="y")
    assert error.value.code == "oneself"
    with pytest.raises(ValidationError) as error:
        services.send_request(sender=unit, receiver=lonely, user=None, subject="x", message="y")
    assert error.value.code == "no_members"


def test_at_most_twenty_new_requests_a_day(owner_client, unit, match, supplier):
    for _ in range(services.DAILY_REQUESTS):
        services.send_request(sender=unit, receiver=supplier, user=None, subject="x", message="y")
    in_language(owner_client, "en")
    response = owner_client.post(contact_url(unit, match), {"subject": "کارتن", "message": "سلام"})
    assert "at most 20 requests a day" in response.content.decode()
    assert ContactRequest.objects.count() == services.DAILY_REQUESTS


def test_an_unknown_or_foreign_match_is_not_found(owner_client, unit, match):
    other = Match.objects.create(
        need=make_need(make_exhibitor(), name="چسب"),
        product=match.product,
        relevance=0.5,
        score=0.5,
        proximity="other",
    )
    assert owner_client.get(reverse("contact_new", args=[unit.pk, 999999])).status_code == 404
    assert owner_client.get(contact_url(unit, other)).status_code == 404
