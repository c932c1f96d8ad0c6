"""Strings of Django's own that its Persian catalogue lacks, translated in ours.

Never imported: `makemessages` reads this file so that locale/fa carries
them. Django looks in our catalogue first (LOCALE_PATHS).
"""

from django.utils.translation import gettext_lazy, ngettext_lazy

PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)
ADMIN_CORRECT_ERRORS = ngettext_lazy(
    "Please correct the error below.", "Please correct the errors below.", "count"
)

# Django's Persian for these mixes «رمز عبور» with «گذرواژه» and is colloquial
# in places («رمز شما کلا عدد است»): ours says «گذرواژه», formally.
PASSWORDS = [
    ngettext_lazy(
        "This password is too short. It must contain at least %(min_length)d character.",
        "This password is too short. It must contain at least %(min_length)d characters.",
        "min_length",
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
    gettext_lazy("The password is too similar to the %(verbose_name)s."),
    gettext_lazy("Your password can’t be too similar to your other personal information."),
    gettext_lazy("This password is too common."),
    gettext_lazy("Your password can’t be a commonly used password."),
    gettext_lazy("This password is entirely numeric."),
    gettext_lazy("Your password can’t be entirely numeric."),
    gettext_lazy("No password set."),
    gettext_lazy("Invalid password format or unknown hashing algorithm."),
    gettext_lazy("Enter the same password as before, for verification."),
    gettext_lazy("Password reset sent"),
    gettext_lazy("Set password"),
    gettext_lazy(
        "You're receiving this email because you requested a password reset for your user "
        "account at %(site_name)s."
    ),
    gettext_lazy(
        "Forgotten your password? Enter your email address below, and we’ll email "
        "instructions for setting a new one."
    ),
    gettext_lazy(
        "We’ve emailed you instructions for setting your password, if an account exists with "
        "the email you entered. You should receive them shortly."
    ),
    gettext_lazy(
        "Please enter your new password twice so we can verify you typed it in correctly."
    ),
    gettext_lazy("Forgotten your login credentials?"),
]
