"""Strings of Django's own that its Persian catalogue lacks, translated in ours.

Never imported: `makemessages` reads this file so that locale/fa carries
them. Django looks in our catalogue first (LOCALE_PATHS).
"""

from django.utils.translation import ngettext_lazy

PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)
ADMIN_CORRECT_ERRORS = ngettext_lazy(
    "Please correct the error below.", "Please correct the errors below.", "count"
)
