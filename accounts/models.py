"""People: a verified mobile beside Django's user, one-time codes, and the log
of sign-ins and changes that organizers read."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.lib.fields import MobileField


class Account(models.Model):
    """What Django's user lacks: a mobile number and whether it and the email are verified.

    A number belongs to one account. An account made by signing in with a
    mobile has the number as its username and no email until one is added.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account"
    )
    mobile = MobileField(_("mobile"), blank=True)
    mobile_verified_at = models.DateTimeField(_("mobile verified"), null=True, blank=True)
    email_verified_at = models.DateTimeField(_("email verified"), null=True, blank=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["mobile"],
                condition=~Q(mobile=""),
                name="accounts_account_one_mobile",
                violation_error_message=_("This number belongs to another account."),
            ),
            models.CheckConstraint(
                condition=Q(mobile_verified_at__isnull=True) | ~Q(mobile=""),
                name="accounts_account_verified_has_mobile",
                violation_error_message=_("Only a number can be verified."),
            ),
        ]

    def __str__(self):
        return self.mobile or str(self.user)

    @property
    def has_verified_mobile(self):
        return bool(self.mobile and self.mobile_verified_at)


class LoginCodeQuerySet(models.QuerySet):
    def live(self, now):
        return self.filter(used_at__isnull=True, expires_at__gt=now)


class LoginCode(models.Model):
    """A 6-digit code sent by SMS, stored as an HMAC: it proves the number.

    ``purpose`` keeps a code for one thing: a sign-in code cannot confirm a
    change of number, nor the second factor of an organizer."""

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", _("sign in")
        SECOND_FACTOR = "second", _("second factor")
        VERIFY = "verify", _("verify a mobile")
        CLAIM = "claim", _("claim a unit")

    number = models.CharField(_("mobile"), max_length=11)
    purpose = models.CharField(_("purpose"), max_length=7, choices=Purpose.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    digest = models.CharField(max_length=64)
    # The session that asked for it: a code another session asks for later does
    # not use this one up (nobody can keep a member from signing in that way).
    nonce = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    tries = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    objects = LoginCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [
            # check_code(): the newest live code for a number and purpose.
            models.Index(fields=["number", "purpose", "-created_at"], name="accounts_code_idx"),
        ]

    def __str__(self):
        return f"{self.number} · {self.get_purpose_display()}"


class Event(models.Model):
    """Every sign-in, code failure, change and reset of a mobile, for organizers."""

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", _("signed in")
        SIGNED_UP = "signed_up", _("account created")
        CODE_SENT = "code_sent", _("code sent")
        CODE_WRONG = "code_wrong", _("wrong code")
        CODE_LIMIT = "code_limit", _("code refused: too many")
        MOBILE_VERIFIED = "mobile_set", _("mobile verified")
        MOBILE_RESET = "mobile_reset", _("mobile reset by an organizer")
        EMAIL_VERIFIED = "email_set", _("email verified")

    kind = models.CharField(_("what"), max_length=12, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account_events",
        verbose_name=_("account"),
    )
    number = models.CharField(_("mobile"), max_length=11, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    client = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.number or self.user}"
