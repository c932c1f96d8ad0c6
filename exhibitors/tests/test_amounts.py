"""Amounts a month in words: the unit agrees with the number in English; Persian digits in fa."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from exhibitors.amounts import amount_text, plural_count, unit_word
from exhibitors.models import AmountUnit
from exhibitors.tests.factories import make_exhibitor, make_product
from portal.tests.helpers import in_language


@pytest.mark.parametrize(
    ("amount", "unit", "text"),
    [
        (300, "ton", "300 tons a month"),
        (1, "ton", "1 ton a month"),
        (Decimal("1.00"), "ton", "1 ton a month"),
        (Decimal("2.50"), "ton", "2.5 tons a month"),
        (Decimal("0.5"), "ton", "0.5 tons a month"),
        (12000, "piece", "12,000 pieces a month"),
        (1, "piece", "1 piece a month"),
        (20000, "kg", "20,000 kg a month"),
        (40, "m2", "40 m² a month"),
        (2, "m", "2 metres a month"),
        (3, "litre", "3 litres a month"),
        (600, "pair", "600 pairs a month"),
        (5, "roll", "5 rolls a month"),
    ],
)
def test_english_agrees_the_unit_with_the_number(amount, unit, text):
    with translation.override("en"):
        assert amount_text(amount, unit) == text


def test_every_unit_has_its_words():
    with translation.override("en"):
        for unit in AmountUnit.values:
            assert unit_word(unit, 1) and unit_word(unit, 5), unit
    assert (plural_count(Decimal("3.00")), plural_count(Decimal("3.25")), plural_count("x")) == (
        3,
        2,
        2,
    )


def test_nothing_without_an_amount():
    assert amount_text(None, "ton") == "" and amount_text("", "") == ""


# Needs the Persian entries of exhibitors/amounts.py in locale/fa (the lead adds them).
@pytest.mark.parametrize(
    ("amount", "unit", "text"),
    [
        (300, "ton", "۳۰۰ تن در ماه"),
        (1, "ton", "۱ تن در ماه"),
        (12000, "piece", "۱۲٬۰۰۰ عدد در ماه"),
        (Decimal("2.5"), "pair", "۲٫۵ جفت در ماه"),
    ],
)
def test_persian_keeps_the_singular_and_writes_persian_digits(amount, unit, text):
    with translation.override("fa"):
        assert amount_text(amount, unit) == text


@pytest.mark.django_db
def test_the_unit_page_and_the_directory_say_tons_and_pieces(client):
    unit = make_exhibitor()
    make_product(unit, name="چرم", monthly_amount=300, amount_unit="ton")
    make_product(unit, name="کارتن", monthly_amount=1, amount_unit="piece")
    english = in_language(client, "en")
    page = english.get(unit.get_absolute_url()).content.decode()
    assert "300 tons a month" in page and "1 piece a month" in page
    page = english.get(reverse("suppliers"), {"q": "چرم"}).content.decode()
    assert "300 tons a month" in page


def test_the_contact_request_mail_says_pieces():
    contact = SimpleNamespace(
        sender=SimpleNamespace(display_name="الف"),
        receiver=SimpleNamespace(display_name="ب"),
        subject="کارتن",
        amount=Decimal("12000.00"),
        amount_unit="piece",
    )
    context = {"request": contact, "message": "سلام", "url": "https://example.ir/"}
    with translation.override("en"):
        text = render_to_string("matching/email/contact_request.txt", context)
        html = render_to_string("matching/email/contact_request.html", context)
    assert "کارتن — 12,000 pieces a month" in text
    assert "— 12,000 pieces a month</p>" in html
