"""The category picker: suggestions with their level, classes first, and a typed name taken."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from exhibitors import search
from exhibitors.forms import CategoryField
from exhibitors.models import Need
from exhibitors.tests.factories import category, make_need
from portal.tests.helpers import in_language

pytestmark = pytest.mark.django_db


def suggestions(client, q):
    return client.get(reverse("category_search"), {"q": q}).json()["results"]


def test_suggestions_rank_classes_first_and_say_their_level(client):
    found = suggestions(in_language(client, "en"), "کفش")
    assert [(c["code"], c["level"], c["level_name"]) for c in found] == [
        ("1520", "class", "class"),
        ("9523", "class", "class"),
        ("152", "group", "group"),
    ]
    assert found[0]["label"] == "1520 · Manufacture of footwear"


def test_persian_suggestions_have_persian_digits_and_level_words(client):
    found = suggestions(in_language(client, "fa"), "كفش")  # an Arabic ك
    assert found[0]["label"] == "۱۵۲۰ · تولید کفش" and found[0]["level_name"] == "رده"
    assert found[-1]["level_name"] == "گروه"
    by_code = suggestions(client, "۱۵")
    assert [c["code"] for c in by_code][:4] == ["15", "1511", "1512", "1520"]
    assert {c["level_name"] for c in by_code} == {"بخش", "رده", "گروه"}


def test_a_section_letter_comes_first_and_junk_finds_nothing(client):
    assert suggestions(client, "c")[0]["code"] == "C"
    assert suggestions(client, "x" * 500) == []
    assert suggestions(client, "") == []


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("تولید کفش", "1520"),  # group 152 and its class 1520: the class
        ("توليد كفش", "1520"),  # Arabic letters
        ("manufacture of FOOTWEAR", "1520"),
        ("footwear manufacture", "1520"),  # the words in another order
        ("۱۵۲۰ · تولید کفش", "1520"),  # a suggestion, as a Persian page shows it
        ("152", "152"),  # a code is that code
        ("تعمیر کفش", "9523"),  # one class
        ("تولید چرم و فرآورده‌های وابسته", "15"),  # a division's own name
    ],
)
def test_a_typed_name_that_fits_one_category_or_one_line_is_taken(typed, code):
    assert CategoryField().clean(typed).code == code


def test_an_ambiguous_name_lists_the_choices_in_the_pages_digits():
    field = CategoryField()
    with translation.override("fa"), pytest.raises(ValidationError) as refused:
        field.clean("کفش")
    message = refused.value.messages[0]
    assert "«۱۵۲۰ · تولید کفش»، «۹۵۲۳ · تعمیر کفش و کالاهای چرمی»" in message
    assert "۱۵۲ · " not in message  # the group of the same name is its class
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        field.clean("footwear")
    assert (
        "“1520 · Manufacture of footwear”, “9523 · Repair of footwear" in refused.value.messages[0]
    )


def test_many_choices_show_five_and_an_ellipsis():
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        CategoryField().clean("manufacture")
    message = refused.value.messages[0]
    assert message.count("“") == 5 and "” …." in message


def test_category_named_says_what_a_name_could_mean():
    found, choices = search.category_named("کفش")
    assert found is None and [c.code for c in choices] == ["1520", "9523", "152"]
    assert search.category_named("چیزی که نیست") == (None, [])


def test_a_need_form_takes_a_typed_name_and_shows_it_back_with_persian_digits(owner_client, unit):
    data = {"name": "کفش ایمنی", "category": "تولید کفش", "description": ""}
    data |= {"monthly_amount": "", "amount_unit": "", "current_source_province": ""}
    response = owner_client.post(reverse("self:item_new", args=[unit.pk, "need"]), data)
    assert response.status_code == 302
    need = Need.objects.get(exhibitor=unit)
    assert need.category.code == "1520"
    page = owner_client.get(reverse("self:item_edit", args=["need", need.pk])).content.decode()
    assert 'value="۱۵۲۰ · تولید کفش"' in page
    # Sent back as shown, it is the same category.
    data |= {"category": "۱۵۲۰ · تولید کفش", "name": "کفش ایمنی"}
    owner_client.post(reverse("self:item_edit", args=["need", need.pk]), data)
    need.refresh_from_db()
    assert need.category.code == "1520"


def test_an_ambiguous_name_on_the_form_keeps_what_was_typed_and_saves_nothing(owner_client, unit):
    make_need(unit, name="چرم", category=category("1511"))
    data = {"name": "کفش", "category": "کفش", "description": ""}
    data |= {"monthly_amount": "", "amount_unit": "", "current_source_province": ""}
    response = owner_client.post(reverse("self:item_new", args=[unit.pk, "need"]), data)
    assert response.status_code == 200
    assert response.context["form"]["category"].value() == "کفش"
    assert "«۱۵۲۰ · تولید کفش»" in response.content.decode()
    assert Need.objects.filter(exhibitor=unit).count() == 1
