"""Dates and numbers as the active language writes them.

Persian pages show Jalali dates and Persian digits; English pages show
Gregorian dates and ASCII digits.
"""

import datetime
import decimal

from django import template
from django.utils import timezone

from portal.lib import jalali
from portal.lib.forms import persian_active
from portal.lib.text import to_persian_digits

register = template.Library()


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@register.filter
def localdate(value):
    """۶ آذر ۱۴۰۵ in Persian, 27 November 2026 in English."""
    if not isinstance(value, datetime.date):
        return value
    return jalali.format_long(_as_date(value), persian=persian_active())


@register.filter
def shortdate(value):
    """۱۴۰۵/۰۹/۰۶ in Persian, 2026-11-27 in English."""
    if not isinstance(value, datetime.date):
        return value
    return jalali.format_short(_as_date(value), persian=persian_active())


@register.filter
def digits(value):
    """Persian digits on Persian pages; unchanged elsewhere."""
    if value is None:
        return ""
    return to_persian_digits(value) if persian_active() else value


@register.simple_tag
def daterange(start, end):
    """A fair's dates: ۶ تا ۹ آذر ۱۴۰۵, or 27–30 November 2026."""
    persian = persian_active()
    if start == end:
        return jalali.format_long(start, persian=persian)
    if persian:
        a, b = jalali.to_jalali(start), jalali.to_jalali(end)
        if (a.year, a.month) == (b.year, b.month):
            return to_persian_digits(f"{a.day} تا {jalali.format_long(end)}")
        return f"{jalali.format_long(start)} تا {jalali.format_long(end)}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{jalali.format_long(end, persian=False)}"
    return f"{jalali.format_long(start, persian=False)} – {jalali.format_long(end, persian=False)}"


@register.filter
def number(value):
    """A quantity without trailing zeros, grouped by thousands: ۱٬۲۵۰ or 1,250."""
    if value is None or value == "":
        return ""
    try:
        value = decimal.Decimal(value)
    except (decimal.InvalidOperation, TypeError, ValueError):
        return value
    text = f"{value:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if persian_active():
        return to_persian_digits(text.replace(",", "٬").replace(".", "٫"))
    return text
