from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.lib.admin import ReadOnlyMixin
from portal.lib.forms import persian_active
from portal.lib.text import to_persian_digits

from . import services
from .models import Account, Event


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    """Members' numbers. A lost or recycled number is reset here (an action),
    never edited: the new holder verifies it with a code."""

    list_display = ("user", "mobile", "mobile_verified_at", "email_verified_at")
    list_filter = (("mobile_verified_at", admin.EmptyFieldListFilter),)
    search_fields = ("mobile", "user__username", "user__email")
    list_select_related = ("user",)
    readonly_fields = ("user", "mobile", "mobile_verified_at", "email_verified_at")
    actions = ["reset_mobile"]

    def get_queryset(self, request):
        accounts = super().get_queryset(request)
        if request.user.is_superuser:
            return accounts
        return accounts.filter(user__is_staff=False, user__is_superuser=False)

    def has_add_permission(self, request):
        return False

    @admin.action(
        description=_("Reset the mobile number (lost or recycled)"), permissions=["change"]
    )
    def reset_mobile(self, request, queryset):
        accounts = list(queryset.exclude(mobile=""))
        for account in accounts:
            services.reset_mobile(account=account, by=request.user)
        self.message_user(
            request,
            ngettext("%(n)s number reset.", "%(n)s numbers reset.", len(accounts))
            % {"n": to_persian_digits(len(accounts)) if persian_active() else len(accounts)},
            messages.SUCCESS,
        )


@admin.register(Event)
class EventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Sign-ins, codes, changes and resets: read-only."""

    list_display = ("at", "kind", "user", "number", "client", "by", "detail")
    list_filter = ("kind",)
    search_fields = ("number", "user__username", "user__email", "client")
    list_select_related = ("user", "by")
    date_hierarchy = "at"
