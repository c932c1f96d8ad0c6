import datetime

import pytest
from django.utils import translation

from portal.lib import jalali
from portal.lib.forms import JalaliDateField, JalaliDateInput


def test_it_converts_across_the_33_year_leap_rule():
    assert jalali.parse("1403/12/30") == datetime.date(2025, 3, 20)
    with pytest.raises(ValueError):
        jalali.parse("1404/12/30")


def test_it_reads_persian_digits_and_any_separator():
    assert jalali.parse("۱۴۰۵-۰۹-۰۶") == datetime.date(2026, 11, 27)
    assert jalali.parse("1405.9.6") == datetime.date(2026, 11, 27)


def test_a_year_from_1700_on_is_read_as_gregorian():
    assert jalali.parse("2026-11-27") == datetime.date(2026, 11, 27)


def test_it_formats_in_the_calendar_and_digits_asked_for():
    day = datetime.date(2026, 11, 27)
    assert jalali.format_short(day) == "۱۴۰۵/۰۹/۰۶"
    assert jalali.format_long(day) == "۶ آذر ۱۴۰۵"
    assert jalali.format_short(day, persian=False) == "2026-11-27"
    assert jalali.format_long(day, persian=False) == "27 November 2026"


def test_the_form_field_takes_jalali_and_rejects_nonsense_with_a_translated_message():
    field = JalaliDateField()
    assert field.clean("۱۴۰۵/۰۹/۰۶") == datetime.date(2026, 11, 27)
    with translation.override("fa"), pytest.raises(Exception) as error:
        field.clean("1405/13/01")
    assert error.value.code == "invalid"
    assert "۱۴۰۵/۰۹/۰۶" in error.value.messages[0]  # the Persian message


def test_the_widget_shows_jalali_in_persian_and_iso_in_english():
    widget = JalaliDateInput()
    day = datetime.date(2026, 11, 27)
    with translation.override("fa"):
        assert 'value="۱۴۰۵/۰۹/۰۶"' in widget.render("d", day)
    with translation.override("en"):
        assert 'value="2026-11-27"' in widget.render("d", day)
