"""/accounts/: signing in with a mobile and a code, or with email and password."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.sign_in, name="login"),
    path("signup/", views.signup, name="signup"),
    path("code/", views.code, name="code"),
    path("code/again/", views.code_resend, name="code_resend"),
    path("login/password/", views.PasswordLoginView.as_view(), name="password_login"),
    path("signup/email/", views.signup_email, name="signup_email"),
    path("signup/email/sent/", views.signup_email_sent, name="signup_email_sent"),
    path("signup/email/<str:token>/", views.signup_email_finish, name="signup_email_finish"),
    path("me/", views.account, name="account"),
    path("email/<str:token>/", views.email_confirm, name="email_confirm"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
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
