from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.lib import changes
from portal.lib.admin import PortalModelAdmin, PortalTabularInline, date_column
from portal.lib.forms import persian_active
from portal.lib.text import to_persian_digits

from . import services
from .forms import MembershipForm
from .models import (
    AccessRequest,
    Category,
    County,
    Exhibitor,
    IndustrialPark,
    Invitation,
    Membership,
    Need,
    Product,
    Province,
)

# Compact changelist cells: lists that fit a laptop beside the filters, and a
# phone for the daily tasks (static/css/admin.css hides the .cell-note lines
# and low-value columns there). Digits turn Persian in the templates
# (templates/admin/change_list.html, text_digits).


def quantity(value):
    """3, 2.5, 1,250: without trailing zeros, in the separators of the language."""
    if value is None:
        return "—"
    text = f"{Decimal(value).normalize():,f}"
    if persian_active():
        return to_persian_digits(text.replace(",", "٬").replace(".", "٫"))
    return text


def with_note(main, note):
    """A cell's text with a second, smaller line under it (when there is one)."""
    if not note:
        return main
    return format_html('{}<span class="cell-note">{}</span>', main, note)


def clipped(text, full=None):
    """A long name cut to one line by the style sheet; all of it in the tooltip."""
    return format_html('<span class="cell-clip" title="{}">{}</span>', full or text, text)


def isic_cell(category):
    if category is None:
        return "—"
    return format_html('<span title="{}">{}</span>', category.name, category.code)


class DivisionFilter(admin.SimpleListFilter):
    """Filter by ISIC division: the ~500 classes are too many for a filter list."""

    title = _("ISIC division")
    parameter_name = "division"
    category_path = "category__code"

    def lookups(self, request, model_admin):
        divisions = Category.objects.filter(level=Category.Level.DIVISION).order_by("code")
        return [(d.code, str(d)) for d in divisions]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.category_path}__startswith": self.value()})
        return queryset


@admin.register(Province)
class ProvinceAdmin(PortalModelAdmin):
    list_display = ["name_fa", "name_en"]
    search_fields = ["name_fa", "name_en"]


@admin.register(County)
class CountyAdmin(PortalModelAdmin):
    list_display = ["name_fa", "name_en", "province"]
    list_filter = ["province"]
    list_select_related = ["province"]
    search_fields = ["name_fa", "name_en"]
    autocomplete_fields = ["province"]


@admin.register(IndustrialPark)
class IndustrialParkAdmin(PortalModelAdmin):
    list_display = ["name_fa", "name_en", "kind", "county"]
    list_filter = ["kind", "county__province", "county"]
    list_select_related = ["county"]
    search_fields = ["name_fa", "name_en", "county__name_fa"]
    autocomplete_fields = ["county"]


@admin.register(Category)
class CategoryAdmin(PortalModelAdmin):
    list_display = ["code", "name_fa", "name_en", "level"]
    list_filter = ["level"]
    # Codes from their start: "17" finds 17, 170, 1701, 1702.
    search_fields = ["^code", "name_fa", "name_en"]
    autocomplete_fields = ["parent"]


class ProductInline(PortalTabularInline):
    model = Product
    fields = ["name", "category", "monthly_amount", "amount_unit"]
    autocomplete_fields = ["category"]
    show_change_link = True  # the description is edited on the product's own page
    extra = 0


class NeedInline(PortalTabularInline):
    model = Need
    fields = ["name", "category", "monthly_amount", "amount_unit", "current_source_province"]
    autocomplete_fields = ["category"]
    show_change_link = True  # the description is edited on the need's own page
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "current_source_province":
            # One query for the 31 provinces, not one per inline row.
            if not hasattr(request, "_province_choices"):
                request._province_choices = list(field.choices)
            field.choices = request._province_choices
        return field


class MembershipInline(PortalTabularInline):
    model = Membership
    form = MembershipForm
    fields = ["user", "role"]
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Exhibitor)
class ExhibitorAdmin(PortalModelAdmin):
    list_display = ["unit", "national_id", "isic", "place"]
    list_filter = ["participations__fair", "county", "park", DivisionFilter]
    list_select_related = ["category", "county", "park"]
    search_fields = ["legal_name", "brand", "national_id"]
    autocomplete_fields = ["category", "county", "park"]
    inlines = [ProductInline, NeedInline, MembershipInline]
    fieldsets = [
        (None, {"fields": ["legal_name", "brand", "national_id", "category"]}),
        (_("Place"), {"fields": ["county", "park", "address"]}),
        (_("Contact"), {"fields": ["phone", "mobile", "email", "website"]}),
        (_("About"), {"fields": ["logo", "description"]}),
    ]

    @admin.display(description=_("unit"), ordering="legal_name")
    def unit(self, unit):
        return with_note(unit.legal_name, unit.brand)

    @admin.display(description=_("ISIC code"), ordering="category__code")
    def isic(self, unit):
        return isic_cell(unit.category)

    @admin.display(description=_("Place"), ordering="county__name_fa")
    def place(self, unit):
        return with_note(unit.county.name, unit.park.name if unit.park else "")

    # Every write tells the matching engine (portal/lib/changes.py).
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        changes.changed(units=[form.instance.pk])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        changes.changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        changes.changed()


class ItemAdmin(PortalModelAdmin):
    list_display = ["name", "unit", "isic", "amount"]
    list_filter = ["exhibitor__county", "exhibitor__park", DivisionFilter]
    list_select_related = ["exhibitor", "category"]
    search_fields = ["name", "exhibitor__legal_name", "exhibitor__brand"]
    autocomplete_fields = ["exhibitor", "category"]

    @admin.display(description=_("unit"), ordering="exhibitor__legal_name")
    def unit(self, item):
        return clipped(str(item.exhibitor), item.exhibitor.legal_name)

    @admin.display(description=_("ISIC code"), ordering="category__code")
    def isic(self, item):
        return isic_cell(item.category)

    @admin.display(description=_("amount a month"), ordering="monthly_amount")
    def amount(self, item):
        if item.monthly_amount is None:
            return "—"
        return f"{quantity(item.monthly_amount)} {item.get_amount_unit_display()}"

    def _changed(self, pks, created=False):
        if self.model is Product:
            changes.changed(products=pks, created=created)
        else:
            changes.changed(needs=pks)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._changed([obj.pk], created=not change)
        if change and "exhibitor" in form.changed_data:
            # Moved to another unit: the old unit's proximity no longer holds.
            changes.changed(units=[form.initial["exhibitor"], obj.exhibitor_id])

    def delete_model(self, request, obj):
        pk = obj.pk
        super().delete_model(request, obj)
        self._changed([pk])

    def delete_queryset(self, request, queryset):
        pks = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        self._changed(pks)


@admin.register(Product)
class ProductAdmin(ItemAdmin):
    pass


@admin.register(Need)
class NeedAdmin(ItemAdmin):
    list_display = [*ItemAdmin.list_display, "bought_from"]
    list_select_related = [*ItemAdmin.list_select_related, "current_source_province"]
    autocomplete_fields = [*ItemAdmin.autocomplete_fields, "current_source_province"]

    @admin.display(description=_("bought today from"), ordering="current_source_province__name_fa")
    def bought_from(self, need):
        return need.current_source_province.name if need.current_source_province else "—"


@admin.register(Membership)
class MembershipAdmin(PortalModelAdmin):
    form = MembershipForm
    list_display = ["user", "exhibitor", "role", date_column("created_at", _("created"))]
    list_filter = ["role"]
    list_select_related = ["user", "exhibitor"]
    search_fields = ["user__username", "user__email", "exhibitor__legal_name"]
    autocomplete_fields = ["user", "exhibitor"]


@admin.register(AccessRequest)
class AccessRequestAdmin(PortalModelAdmin):
    list_display = ["user", "exhibitor", "status", date_column("created_at", _("created"))]
    list_filter = ["status"]
    list_select_related = ["user", "exhibitor"]
    search_fields = ["user__email", "exhibitor__legal_name", "exhibitor__national_id"]
    readonly_fields = ["user", "exhibitor", "message", "status", "created_at", "decided_at"]
    actions = ["grant", "decline"]

    def has_add_permission(self, request):
        return False  # users ask from the portal

    def _decide(self, request, queryset, grant):
        decided = 0
        for access in queryset.select_related("user", "exhibitor"):
            try:
                decided += services.decide_access(access=access, grant=grant)
            except ValidationError as error:  # an organizer's account: never a member
                self.message_user(request, f"{access.user}: {error.messages[0]}", messages.ERROR)
        self.message_user(
            request,
            ngettext("%(count)d request decided.", "%(count)d requests decided.", decided)
            % {"count": decided},
            messages.SUCCESS,
        )

    @admin.action(description=_("Grant: make them staff of the unit"), permissions=["change"])
    def grant(self, request, queryset):
        self._decide(request, queryset, grant=True)

    @admin.action(description=_("Decline the selected requests"), permissions=["change"])
    def decline(self, request, queryset):
        self._decide(request, queryset, grant=False)


@admin.register(Invitation)
class InvitationAdmin(PortalModelAdmin):
    list_display = [
        "email",
        "exhibitor",
        "role",
        "invited_by",
        date_column("created_at", _("created")),
    ]
    list_filter = ["role"]
    list_select_related = ["exhibitor", "invited_by"]
    search_fields = ["email", "exhibitor__legal_name"]
    readonly_fields = ["email", "exhibitor", "role", "invited_by", "created_at", "accepted_at"]

    def has_add_permission(self, request):
        return False  # owners invite from the portal
