"""Jalali (Solar Hijri) dates for display and input; storage stays Gregorian."""

import datetime
import re

import jdatetime
from django.utils import timezone

from .text import to_ascii_digits, to_persian_digits

MONTHS_FA = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)

_DATE = re.compile(r"\s*([0-9]{4})\s*[/\-.]\s*([0-9]{1,2})\s*[/\-.]\s*([0-9]{1,2})\s*")
# Years below this are Jalali (1405 is 2026); above it, Gregorian. Outside
# the plausible ranges a year is a typo, not a date.
_GREGORIAN_FROM = 1700
_JALALI_YEARS = range(1300, 1500)
_GREGORIAN_YEARS = range(1921, 2121)


def to_jalali(value):
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.date()
    return jdatetime.date.fromgregorian(date=value)


def format_short(value, persian=True):
    """1405/09/06 in Persian digits, or 2026-11-27."""
    if not persian:
        return value.isoformat()
    j = to_jalali(value)
    return to_persian_digits(f"{j.year:04d}/{j.month:02d}/{j.day:02d}")


def format_long(value, persian=True):
    """۶ آذر ۱۴۰۵, or 27 November 2026."""
    if not persian:
        return f"{value.day} {value:%B} {value.year}"
    j = to_jalali(value)
    return to_persian_digits(f"{j.day} {MONTHS_FA[j.month - 1]} {j.year}")


def parse(text):
    """A date typed as Y/M/D: Jalali when the year is below 1700, else Gregorian.

    Accepts Persian and Arabic-Indic digits and /, - or . between the parts.
    Raises ValueError for anything that is not a real date.
    """
    match = _DATE.fullmatch(to_ascii_digits(text or ""))
    if not match:
        raise ValueError("not a Y/M/D date")
    year, month, day = (int(part) for part in match.groups())
    if year >= _GREGORIAN_FROM:
        if year not in _GREGORIAN_YEARS:
            raise ValueError("implausible year")
        return datetime.date(year, month, day)
    if year not in _JALALI_YEARS:
        raise ValueError("implausible year")
    return jdatetime.date(year, month, day).togregorian()
