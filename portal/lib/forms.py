"""Form fields and widgets that accept how people in Iran type."""

import datetime

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import identifiers, jalali
from .text import to_ascii_digits


def persian_active():
    return (get_language() or "").startswith("fa")


class DigitsInput(forms.TextInput):
    """A text box for numbers: Persian or Arabic-Indic digits arrive as ASCII.

    A text box, not <input type=number>, because browsers reject Persian
    digits typed into a number input.
    """

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "dir": "ltr", **(attrs or {})})

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        if not isinstance(value, str):
            return value
        # Thousands separators (Persian ٬ or ASCII ,) go; the Persian ٫ is the decimal point.
        return to_ascii_digits(value).replace(",", "").strip()


class AutoDirectionMixin:
    """Text boxes follow what is typed: Persian right to left, Latin left to right."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.TextInput | forms.Textarea):
                widget.attrs.setdefault("dir", "auto")


class JalaliDateInput(forms.TextInput):
    """Shows a date as 1405/09/06 when the language is Persian, else 2026-11-27."""

    def __init__(self, attrs=None):
        super().__init__({"dir": "ltr", "size": 10, "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, datetime.date):
            return jalali.format_short(value, persian=persian_active())
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault(
            "placeholder", "۱۴۰۵/۰۹/۰۶" if persian_active() else "2026-11-27"
        )
        return context


class JalaliDateField(forms.DateField):
    """A date typed in the Jalali calendar (or Gregorian, told apart by the year)."""

    widget = JalaliDateInput
    default_error_messages = {
        "invalid": _("Enter a real date as year/month/day, for example 1405/09/06."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.date):
            return value
        try:
            return jalali.parse(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class _CleanedCharField(forms.CharField):
    clean_function = None

    def __init__(self, *, max_length=None, **kwargs):
        # The typed form may be longer than the stored one (spaces, +98).
        kwargs.setdefault("widget", forms.TextInput(attrs={"dir": "ltr", "inputmode": "tel"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return self.empty_value
        return type(self).clean_function(value)


class NationalIdFormField(_CleanedCharField):
    clean_function = staticmethod(identifiers.clean_national_id)


class PhoneFormField(_CleanedCharField):
    clean_function = staticmethod(identifiers.clean_phone)


class MobileFormField(_CleanedCharField):
    clean_function = staticmethod(identifiers.clean_mobile)
