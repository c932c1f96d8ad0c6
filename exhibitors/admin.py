from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.lib import changes
from portal.lib.admin import PortalModelAdmin, PortalTabularInline, date_column

from . import services
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
    fields = ["user", "role"]
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Exhibitor)
class ExhibitorAdmin(PortalModelAdmin):
    list_display = ["legal_name", "brand", "national_id", "category", "county", "park"]
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
    list_display = ["name", "exhibitor", "category", "monthly_amount", "amount_unit"]
    list_filter = ["exhibitor__county", "exhibitor__park", DivisionFilter]
    list_select_related = ["exhibitor", "category"]
    search_fields = ["name", "exhibitor__legal_name", "exhibitor__brand"]
    autocomplete_fields = ["exhibitor", "category"]

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
    list_display = [*ItemAdmin.list_display, "current_source_province"]
    list_select_related = [*ItemAdmin.list_select_related, "current_source_province"]
    autocomplete_fields = [*ItemAdmin.autocomplete_fields, "current_source_province"]


@admin.register(Membership)
class MembershipAdmin(PortalModelAdmin):
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
        decided = sum(
            services.decide_access(access=access, grant=grant)
            for access in queryset.select_related("user", "exhibitor")
        )
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
