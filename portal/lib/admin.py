"""What every admin page of the portal shares: Jalali dates, Persian digits and letters."""

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from . import jalali
from .forms import DigitsInput, JalaliDateField, JalaliDateInput, persian_active
from .images import UploadLimitAdminMixin
from .text import persian_letters, to_ascii_digits


class SafeAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete crashes re-rendering a hand-made value such as "abc".

    It also renders only the chosen <option>, so a ``required`` select starts
    with a non-empty option, which HTML forbids: the form checks it instead.
    """

    def use_required_attribute(self, initial):
        return False

    def create_option(self, name, value, label, *args, **kwargs):
        # An optional select's empty option: HTML wants words in it.
        option = super().create_option(
            name, value, label or ("—" if value == "" else label), *args, **kwargs
        )
        return option

    def optgroups(self, name, value, attrs=None):
        try:
            for v in value:
                if v not in (None, ""):
                    self.choices.field.to_python(v)
        except (ValidationError, ValueError, TypeError):
            value = []
        return super().optgroups(name, value, attrs)


class _SafeAutocompleteMixin:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and type(field.widget) is AutocompleteSelect:
            field.widget.__class__ = SafeAutocompleteSelect
        return field

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        # The wrapper with the "+" and pencil links asks itself, not the select.
        wrapper = getattr(field, "widget", None)
        if isinstance(getattr(wrapper, "widget", None), SafeAutocompleteSelect):
            wrapper.use_required_attribute = wrapper.widget.use_required_attribute
        return field


class PortalModelAdmin(UploadLimitAdminMixin, _SafeAutocompleteMixin, admin.ModelAdmin):
    """Dates typed and shown in Jalali on Persian pages; numbers in any digits;
    searches that find Persian text typed on an Arabic keyboard."""

    formfield_overrides = {
        models.DateField: {"form_class": JalaliDateField, "widget": JalaliDateInput},
        models.DecimalField: {"widget": DigitsInput},
        models.PositiveSmallIntegerField: {"widget": DigitsInput},
        models.IntegerField: {"widget": DigitsInput},
        # Django 6 behaviour already: a typed example.ir means https.
        models.URLField: {"assume_scheme": "https"},
    }

    def get_search_results(self, request, queryset, search_term):
        search_term = persian_letters(to_ascii_digits(search_term))
        return super().get_search_results(request, queryset, search_term)


class PortalTabularInline(UploadLimitAdminMixin, _SafeAutocompleteMixin, admin.TabularInline):
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


class ReadOnlyMixin:
    """What the portal records (messages, matches, events): shown, never written
    through the admin. Actions, where a page has them, go through services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
