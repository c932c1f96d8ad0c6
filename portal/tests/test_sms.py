"""How many parts an SMS takes: 70/67 for Persian (UCS-2), 160/153 for GSM."""

import pytest

from portal.lib import sms

PERSIAN = "س"
GSM = "a"


@pytest.mark.parametrize(
    ("size", "expected"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)]
)
def test_a_persian_text_takes_70_characters_in_one_part_and_67_a_part_after(size, expected):
    text = PERSIAN * size
    assert not sms.is_gsm(text)
    assert sms.length(text) == size
    assert sms.parts(text) == expected


@pytest.mark.parametrize(
    ("size", "expected"), [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)]
)
def test_a_gsm_text_takes_160_characters_in_one_part_and_153_a_part_after(size, expected):
    text = GSM * size
    assert sms.is_gsm(text)
    assert sms.length(text) == size
    assert sms.parts(text) == expected


def test_one_persian_letter_makes_the_whole_text_ucs2():
    text = "a" * 69 + "ب"
    assert not sms.is_gsm(text)
    assert sms.parts(text) == 1
    assert sms.parts(text + "a") == 2


def test_extended_gsm_characters_count_twice():
    assert sms.is_gsm("€[]{}^~|\\")
    assert sms.length("€") == 2
    assert sms.length("a{b}") == 6
    assert sms.parts("€" * 80) == 1
    assert sms.parts("€" * 80 + "a") == 2
    assert sms.parts("€" * 153) == 2  # 306 septets
    assert sms.parts("€" * 153 + "a") == 3


def test_gsm_letters_outside_ascii_and_digits_and_newlines_stay_gsm():
    assert sms.is_gsm("Çé à ñ Δ £ 0123456789\n@")
    assert not sms.is_gsm("`")
    assert not sms.is_gsm("۱۲۳")  # Persian digits are not in the GSM alphabet


def test_characters_outside_the_bmp_count_two_utf16_units():
    assert sms.length("سلام 🌷") == 7
    assert sms.parts("س" * 69 + "🌷") == 2


def test_an_empty_text_takes_no_part():
    assert sms.length("") == 0
    assert sms.parts("") == 0
