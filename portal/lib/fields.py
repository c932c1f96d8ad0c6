"""Model fields for Iranian identifiers: stored in ASCII, typed in any digits."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import forms as lib_forms
from . import identifiers


class _IdentifierField(models.CharField):
    """Eleven ASCII digits, cleaned from whatever was typed by ``clean_function``."""

    form_class = None
    clean_function = None

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = 11
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        del kwargs["max_length"]
        return name, path, args, kwargs

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return type(self).clean_function(value)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": self.form_class, **kwargs})


class NationalIdField(_IdentifierField):
    """The 11-digit legal-entity national ID (شناسه ملی), check digit verified."""

    description = _("Legal-entity national ID")
    form_class = lib_forms.NationalIdFormField
    clean_function = staticmethod(identifiers.clean_national_id)


class MobileField(_IdentifierField):
    """An Iranian mobile number, stored as 09XXXXXXXXX."""

    description = _("Mobile number")
    form_class = lib_forms.MobileFormField
    clean_function = staticmethod(identifiers.clean_mobile)


class PhoneField(_IdentifierField):
    """An Iranian mobile or landline number, stored as 0XXXXXXXXXX."""

    description = _("Phone number")
    form_class = lib_forms.PhoneFormField
    clean_function = staticmethod(identifiers.clean_phone)
