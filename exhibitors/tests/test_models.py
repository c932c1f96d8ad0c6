import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from exhibitors.models import Exhibitor, Membership
from exhibitors.tests.factories import (
    category,
    hamedan,
    make_exhibitor,
    make_need,
    make_product,
    park,
)

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_second_unit_with_the_same_national_id():
    first = make_exhibitor()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_exhibitor(national_id=first.national_id)


def test_full_clean_reports_a_taken_national_id_as_a_field_error():
    first = make_exhibitor()
    duplicate = Exhibitor(
        legal_name="دیگری", national_id=first.national_id, category=category(), county=hamedan()
    )
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "national_id" in error.value.message_dict or "__all__" in error.value.message_dict


def test_full_clean_accepts_persian_digits_and_stores_ascii():
    unit = Exhibitor(
        legal_name="واحد", national_id="۱۰۳۸۰۲۸۴۷۹۰", category=category(), county=hamedan()
    )
    unit.full_clean()
    assert unit.national_id == "10380284790"


def test_full_clean_rejects_an_invalid_national_id():
    unit = Exhibitor(
        legal_name="واحد", national_id="10380284791", category=category(), county=hamedan()
    )
    with pytest.raises(ValidationError) as error:
        unit.full_clean()
    assert "national_id" in error.value.message_dict


def test_a_park_must_be_in_the_units_county():
    unit = Exhibitor(
        legal_name="واحد",
        national_id="10380284790",
        category=category(),
        county=hamedan("ملایر"),
        park=park("شهرک صنعتی بوعلی"),
    )
    with pytest.raises(ValidationError) as error:
        unit.full_clean()
    assert "park" in error.value.message_dict


def test_one_membership_per_user_and_unit(django_user_model):
    user = django_user_model.objects.create_user("u")
    unit = make_exhibitor()
    Membership.objects.create(user=user, exhibitor=unit)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, exhibitor=unit)


@pytest.mark.parametrize("amount", [0, -5])
def test_amounts_must_be_positive(amount):
    unit = make_exhibitor()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_product(unit, monthly_amount=amount)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_need(unit, monthly_amount=amount)


def test_search_text_is_normalized_on_save():
    unit = make_exhibitor(legal_name="شركت كارتن", brand="يكتا")
    product = make_product(unit, name="ورق‌های كارتن", description="۵ لايه")
    assert unit.search_text == "شرکت کارتن یکتا شرکتکارتن"
    assert product.search_text == "ورقهای کارتن ورقهایکارتن 5 لایه"


def test_public_models_have_an_address():
    unit = make_exhibitor()
    assert unit.get_absolute_url() == f"/exhibitors/{unit.pk}/"
