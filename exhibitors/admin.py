from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.lib.admin import PortalModelAdmin, PortalTabularInline
from portal.lib.text import to_ascii_digits

from .models import Category, County, Exhibitor, IndustrialPark, Membership, Need, Product, Province


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

    def get_search_results(self, request, queryset, search_term):
        # A national ID typed in Persian digits finds the unit too.
        return super().get_search_results(request, queryset, to_ascii_digits(search_term))


class ItemAdmin(PortalModelAdmin):
    list_display = ["name", "exhibitor", "category", "monthly_amount", "amount_unit"]
    list_filter = ["exhibitor__county", "exhibitor__park", DivisionFilter]
    list_select_related = ["exhibitor", "category"]
    search_fields = ["name", "exhibitor__legal_name", "exhibitor__brand"]
    autocomplete_fields = ["exhibitor", "category"]


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
    list_display = ["user", "exhibitor", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "exhibitor"]
    search_fields = ["user__username", "user__email", "exhibitor__legal_name"]
    autocomplete_fields = ["user", "exhibitor"]
