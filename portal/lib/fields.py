"""Model fields for Iranian identifiers (stored in ASCII, typed in any digits) and
for uploaded images (cleaned on the way in, portal/lib/images.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import forms as lib_forms
from . import identifiers, images


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


class CleanImageField(models.ImageField):
    """An image that is checked and re-encoded however it arrives (portal/lib/images.py).

    Its form field cleans: the portal's forms and the admin alike. A file
    assigned in code is cleaned in ``pre_save``. Stored and migrated as Django's
    ImageField: no migration.
    """

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.ImageField", args, kwargs

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": images.CleanImageFormField, **kwargs})

    def pre_save(self, model_instance, add):
        file = getattr(model_instance, self.attname)
        if file and not file._committed and not isinstance(file.file, images.CleanedImage):
            cleaned = images.clean_image(file.file)  # ValidationError for a bad file
            file.name, file.file = cleaned.name, cleaned
        return super().pre_save(model_instance, add)
