import pytest
from django.core.exceptions import ValidationError

from portal.lib.identifiers import (
    clean_landline,
    clean_mobile,
    clean_national_id,
    clean_phone,
    is_valid_national_id,
    national_id_check_digit,
)


def test_the_worked_example_is_valid():
    assert national_id_check_digit("1038028479") == 0
    assert is_valid_national_id("10380284790")


@pytest.mark.parametrize("wrong_last_digit", "123456789")
def test_any_other_check_digit_is_rejected(wrong_last_digit):
    assert not is_valid_national_id("1038028479" + wrong_last_digit)


def test_persian_and_arabic_digits_and_spaces_are_accepted_and_stored_in_ascii():
    assert clean_national_id("۱۰۳۸۰۲۸۴۷۹۰") == "10380284790"
    assert clean_national_id("١٠٣٨٠٢٨٤٧٩٠") == "10380284790"
    assert clean_national_id(" 1038-028 4790 ") == "10380284790"


@pytest.mark.parametrize("value", ["", "1038028479", "103802847900", "1038028479a", "abcdefghijk"])
def test_wrong_lengths_and_letters_are_rejected_with_a_length_code(value):
    with pytest.raises(ValidationError) as error:
        clean_national_id(value)
    assert error.value.code == "national_id_length"


def test_all_zeros_in_the_middle_block_is_rejected_even_with_a_matching_check_digit():
    first_ten = "1230000009"
    candidate = first_ten + str(national_id_check_digit(first_ten))
    with pytest.raises(ValidationError) as error:
        clean_national_id(candidate)
    assert error.value.code == "national_id_checksum"


def test_a_wrong_check_digit_is_rejected_with_a_checksum_code():
    with pytest.raises(ValidationError) as error:
        clean_national_id("10380284791")
    assert error.value.code == "national_id_checksum"


@pytest.mark.parametrize(
    "typed", ["09121234567", "9121234567", "+989121234567", "00989121234567", "۰۹۱۲ ۱۲۳ ۴۵۶۷"]
)
def test_mobiles_are_stored_as_09(typed):
    assert clean_mobile(typed) == "09121234567"


@pytest.mark.parametrize("typed", ["0912123456", "08138271234", "091212345678", "phone"])
def test_what_is_not_a_mobile_is_rejected(typed):
    with pytest.raises(ValidationError):
        clean_mobile(typed)


def test_landlines_keep_their_area_code():
    assert clean_landline("۰۸۱-۳۸۲۷۱۲۳۴") == "08138271234"
    assert clean_landline("+98 81 3827 1234") == "08138271234"
    with pytest.raises(ValidationError):
        clean_landline("3827 1234")


def test_a_phone_may_be_either():
    assert clean_phone("09181234567") == "09181234567"
    assert clean_phone("08138271234") == "08138271234"
    with pytest.raises(ValidationError) as error:
        clean_phone("12")
    assert error.value.code == "phone_invalid"
