"""Amounts a month in words: "300 tons a month", "1 ton a month", «۳۰۰ تن در ماه».

The unit's word agrees with the number in English (ngettext); Persian keeps
the singular after a number and writes Persian digits.
"""

import decimal

from django.utils.translation import gettext, npgettext

from portal.lib.forms import persian_active
from portal.lib.text import format_number


def _words(n):
    # A context of its own: "ton" alone is the unit's name in the choices.
    return {
        "kg": npgettext("amount", "kg", "kg", n),
        "ton": npgettext("amount", "ton", "tons", n),
        "litre": npgettext("amount", "litre", "litres", n),
        "m": npgettext("amount", "metre", "metres", n),
        "m2": npgettext("amount", "m²", "m²", n),
        "m3": npgettext("amount", "m³", "m³", n),
        "piece": npgettext("amount", "piece", "pieces", n),
        "pair": npgettext("amount", "pair", "pairs", n),
        "set": npgettext("amount", "set", "sets", n),
        "pack": npgettext("amount", "pack", "packs", n),
        "roll": npgettext("amount", "roll", "rolls", n),
    }


def plural_count(amount):
    """The whole number that chooses the plural form: 1 for exactly one, else the
    amount, or 2 for a fraction ("2.5 tons", "0.5 tons")."""
    try:
        value = decimal.Decimal(amount)
    except (decimal.InvalidOperation, TypeError, ValueError):
        return 2
    if value == value.to_integral_value():
        return int(value)
    return 2


def unit_word(unit, amount):
    """The word for ``unit`` (an AmountUnit value) after ``amount``: "ton" or "tons"."""
    return _words(plural_count(amount)).get(unit, unit)


def amount_text(amount, unit):
    """«۳۰۰ تن در ماه», "300 tons a month", "12,000 pieces a month"; "" without an amount."""
    if amount in (None, ""):
        return ""
    number = format_number(amount, persian=persian_active())
    if not unit:
        return number
    return gettext("%(amount)s %(unit)s a month") % {
        "amount": number,
        "unit": unit_word(unit, amount),
    }
