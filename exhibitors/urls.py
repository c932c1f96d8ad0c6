from django.contrib.auth import views as auth_views
from django.urls import path, register_converter

from . import views
from .forms import EmailAuthenticationForm


class ItemKind:
    regex = "product|need"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ItemKind, "kind")

# /accounts/: Django's auth views, logging in by email.
accounts = [
    path("signup/", views.signup, name="signup"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(
            email_template_name="registration/password_reset_email.txt",
            html_email_template_name="registration/password_reset_email.html",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

# /dashboard/: a unit's self-service, for its members only (namespace "self").
dashboard = [
    path("units/new/", views.unit_new, name="unit_new"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/access/", views.access_request, name="access_request"),
    path("units/<int:pk>/<kind:kind>s/new/", views.item_new, name="item_new"),
    path("<kind:kind>s/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("<kind:kind>s/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("units/<int:pk>/members/", views.members, name="members"),
    path(
        "units/<int:pk>/members/<int:membership_pk>/remove/",
        views.member_remove,
        name="member_remove",
    ),
]
