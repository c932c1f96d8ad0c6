from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.lib.admin import PortalModelAdmin, ReadOnlyMixin
from portal.lib.forms import MobileFormField, persian_active
from portal.lib.text import to_persian_digits

from . import services
from .models import Message, OptOut


def digits(value):
    return to_persian_digits(value) if persian_active() else str(value)


def latin(text):
    return format_html('<span lang="en" dir="ltr">{}</span>', text) if text else "—"


@admin.register(Message)
class MessageAdmin(ReadOnlyMixin, PortalModelAdmin):
    """Read-only: what was sent, to whom, and how it went. Failed and unknown
    messages can be sent again (the provider's duplicate check guards an SMS)."""

    # The channel is plain from the address (a number or an email) and is a filter.
    list_display = ("created_at", "to", "purpose", "status", "delivery", "attempts")
    list_filter = ("status", "channel", "purpose", "delivery")
    search_fields = ("to", "provider_id", "subject")
    date_hierarchy = "created_at"
    actions = ["send_again"]
    readonly_fields = [
        "channel",
        "to",
        "subject",
        "shown_text",
        "parts",
        "purpose",
        "status",
        "attempts",
        "error_text",
        "provider_id_text",
        "delivery",
        "created_at",
        "send_after",
        "sending_since",
        "sent_at",
        "delivery_checked_at",
    ]
    # The text is shown by shown_text(), which hides one-time codes.
    exclude = ["html", "text"]

    @admin.display(description=_("text"))
    def shown_text(self, obj):
        # A code read here would sign whoever reads it in as the member it went to.
        if obj.purpose == Message.Purpose.CODE:
            return _("A one-time code: not shown.")
        return obj.text

    # The provider's words and ids, as it wrote them: in Latin digits on
    # Persian pages too (templates/admin turn the rest of the text Persian).
    @admin.display(description=Message._meta.get_field("error").verbose_name)
    def error_text(self, obj):
        return latin(obj.error)

    @admin.display(description=Message._meta.get_field("provider_id").verbose_name)
    def provider_id_text(self, obj):
        return latin(obj.provider_id)

    @admin.display(description=_("SMS parts"))
    def parts(self, obj):
        return digits(obj.parts) if obj.parts is not None else "—"

    @admin.action(
        description=_("Send the selected failed or unknown messages again"),
        permissions=["resend"],
    )
    def send_again(self, request, queryset):
        # An unknown email may have arrived: nothing stops a second copy of it.
        sent = sum(services.retry(message=message) for message in queryset.to_look_at())
        self.message_user(
            request,
            ngettext("%(n)s message queued again.", "%(n)s messages queued again.", sent)
            % {"n": digits(sent)},
            messages.SUCCESS if sent else messages.WARNING,
        )

    def has_resend_permission(self, request):
        return request.user.has_perm("messaging.resend_message")


@admin.register(OptOut)
class OptOutAdmin(PortalModelAdmin):
    list_display = ("number", "source", "created_at")
    list_filter = ("source",)
    search_fields = ("number",)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Stored as messages are addressed (09XXXXXXXXX), however it was typed
        # (Persian digits, +98): otherwise the opt-out would never match.
        if db_field.name == "number":
            kwargs["form_class"] = MobileFormField
        return super().formfield_for_dbfield(db_field, request, **kwargs)
