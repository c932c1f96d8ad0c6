"""Iranian identifiers: the legal-entity national ID and phone numbers.

Each ``clean_*`` function takes what a person typed (Persian or Arabic-Indic
digits, spaces, dashes) and returns the stored ASCII form, or raises
``ValidationError`` with a code.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .text import to_ascii_digits

_NATIONAL_ID_WEIGHTS = (29, 27, 23, 19, 17, 29, 27, 23, 19, 17)
_SEPARATORS = re.compile(r"[\s\-_.()/]+")


# Text pasted from Persian documents carries invisible marks (ZWNJ, LRM, RLE…).
_FORMAT_CHARACTERS = dict.fromkeys(
    c for c in range(0x10000) if unicodedata.category(chr(c)) == "Cf"
)


def _strip(value):
    visible = str(value or "").translate(_FORMAT_CHARACTERS)
    return _SEPARATORS.sub("", to_ascii_digits(visible)).strip()


def national_id_check_digit(first_ten):
    """The 11th digit of a legal-entity national ID (شناسه ملی) from the first ten."""
    digits = [int(d) for d in first_ten]
    k = digits[9] + 2
    total = sum((d + k) * w for d, w in zip(digits, _NATIONAL_ID_WEIGHTS, strict=True))
    return total % 11 % 10


def is_valid_national_id(value):
    return (
        isinstance(value, str)
        and re.fullmatch(r"[0-9]{11}", value) is not None
        and value[3:9] != "000000"
        and national_id_check_digit(value[:10]) == int(value[10])
    )


def clean_national_id(value):
    value = _strip(value)
    if not re.fullmatch(r"[0-9]{11}", value):
        raise ValidationError(
            _("A national ID (شناسه ملی) has exactly 11 digits."), code="national_id_length"
        )
    if not is_valid_national_id(value):
        raise ValidationError(
            _("This national ID is not valid: please check its digits."),
            code="national_id_checksum",
        )
    return value


def clean_mobile(value):
    """An Iranian mobile number, stored as 09XXXXXXXXX."""
    value = _strip(value)
    match = re.fullmatch(r"(?:\+98|0098|98|0)?(9[0-9]{9})", value)
    if not match:
        raise ValidationError(
            _("Enter a mobile number such as 09121234567."), code="mobile_invalid"
        )
    return "0" + match.group(1)


def clean_landline(value):
    """An Iranian landline: a 0-prefixed area code and an 8-digit number (11 digits)."""
    value = _strip(value)
    match = re.fullmatch(r"(?:\+98|0098|98|0)?([1-8][0-9]{9})", value)
    if not match:
        raise ValidationError(
            _("Enter a landline with its area code, such as 08138271234."),
            code="landline_invalid",
        )
    return "0" + match.group(1)


def clean_phone(value):
    """A mobile or a landline, whichever it is."""
    try:
        return clean_mobile(value)
    except ValidationError:
        pass
    try:
        return clean_landline(value)
    except ValidationError:
        raise ValidationError(
            _(
                "Enter a mobile number (09121234567) or a landline with its area code "
                "(08138271234)."
            ),
            code="phone_invalid",
        ) from None
