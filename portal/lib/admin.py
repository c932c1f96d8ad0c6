"""What every admin page of the portal shares: Jalali dates, Persian digits."""

from django.contrib import admin
from django.db import models
from django.utils import timezone

from . import jalali
from .forms import DigitsInput, JalaliDateField, JalaliDateInput, persian_active


class PortalModelAdmin(admin.ModelAdmin):
    """Dates typed and shown in Jalali on Persian pages; numbers in any digits."""

    formfield_overrides = {
        models.DateField: {"form_class": JalaliDateField, "widget": JalaliDateInput},
        models.DecimalField: {"widget": DigitsInput},
        models.PositiveSmallIntegerField: {"widget": DigitsInput},
        models.IntegerField: {"widget": DigitsInput},
        # Django 6 behaviour already: a typed example.ir means https.
        models.URLField: {"assume_scheme": "https"},
    }


class PortalTabularInline(admin.TabularInline):
    formfield_overrides = PortalModelAdmin.formfield_overrides


def date_column(field, description):
    """A changelist column showing a date field in the calendar of the language."""

    @admin.display(description=description, ordering=field)
    def column(obj):
        value = getattr(obj, field)
        if value is None:
            return "—"
        if hasattr(value, "tzinfo"):
            value = timezone.localtime(value).date()
        return jalali.format_short(value, persian=persian_active())

    column.__name__ = f"{field}_display"
    return column
