"""The admin asks for a second factor: an organizer's password, then a code
sent by SMS to their verified mobile (views.password_login). Until both, the
admin treats them as not logged in and sends them to sign in."""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

SECOND_FACTOR = "accounts.second_factor"


def second_factor_done(request):
    return request.session.get(SECOND_FACTOR) == request.user.pk


class AdminSite(admin.AdminSite):
    def has_permission(self, request):
        return super().has_permission(request) and second_factor_done(request)

    def login(self, request, extra_context=None):
        if request.user.is_authenticated and not request.user.is_staff:
            # Signed in, but not an organizer: the password page would send
            # them straight back here.
            raise PermissionDenied
        next_url = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('password_login')}?{urlencode({'next': next_url})}")


class AdminConfig(DjangoAdminConfig):
    """Django's admin on this site (INSTALLED_APPS names it instead of django.contrib.admin)."""

    default_site = "accounts.sites.AdminSite"
