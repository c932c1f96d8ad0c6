"""Users in the admin: organizers see the exhibitors' accounts, not the staff's."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from portal.lib.text import persian_letters, to_ascii_digits

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    def get_queryset(self, request):
        users = super().get_queryset(request)
        if request.user.is_superuser:
            return users
        # An organizer needs accounts to add a unit's members, nothing more.
        return users.filter(is_staff=False, is_superuser=False)

    def get_search_results(self, request, queryset, search_term):
        search_term = persian_letters(to_ascii_digits(search_term))
        return super().get_search_results(request, queryset, search_term)
