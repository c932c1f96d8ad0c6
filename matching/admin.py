from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.lib.admin import PortalModelAdmin, PortalTabularInline, date_column

from .models import ContactMessage, ContactRequest, Match


class ContactMessageInline(PortalTabularInline):
    model = ContactMessage
    fields = ["author", "written_by", "body", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ContactRequest)
class ContactRequestAdmin(PortalModelAdmin):
    """Organizers follow the requests between units; what the units wrote is theirs."""

    list_display = ["subject", "sender", "receiver", "status", date_column("created_at", _("sent"))]
    list_filter = ["status", "receiver__county", "sender__county"]
    list_select_related = ["sender", "receiver"]
    search_fields = ["subject", "sender__legal_name", "receiver__legal_name"]
    readonly_fields = [
        "sender",
        "receiver",
        "sent_by",
        "subject",
        "amount",
        "amount_unit",
        date_column("created_at", _("sent")),
    ]
    fields = [*readonly_fields, "status"]
    inlines = [ContactMessageInline]

    def has_add_permission(self, request):
        return False


@admin.register(Match)
class MatchAdmin(PortalModelAdmin):
    """Read only: the engine writes matches (manage.py rematch)."""

    list_display = ["need", "product", "fair", "proximity", "relevance", "score"]
    list_filter = ["proximity", "fair"]
    list_select_related = ["need", "product", "fair"]
    search_fields = ["need__name", "product__name", "need__exhibitor__legal_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
