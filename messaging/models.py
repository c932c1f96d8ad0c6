"""Every outgoing SMS and email is a row; its status is the truth.

queued → sending → sent, or failed, or unknown (cut off mid-send: nobody knows
whether it went, so nothing resends it by itself). services.py holds the
transitions; tasks.py runs them in the background.
"""

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.lib import sms


def new_local_id():
    return secrets.token_hex(16)


class MessageQuerySet(models.QuerySet):
    def to_look_at(self):
        """What an organizer must decide on: failed and unknown messages."""
        return self.filter(status__in=[Message.Status.FAILED, Message.Status.UNKNOWN])


class Message(models.Model):
    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("email")

    class Purpose(models.TextChoices):
        CODE = "code", _("one-time code")
        NOTICE = "notice", _("notice")
        PROMOTION = "promotion", _("promotion")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        UNKNOWN = "unknown", _("unknown")

    class Delivery(models.TextChoices):
        NONE = "", _("not reported")
        PENDING = "pending", _("on its way")
        DELIVERED = "delivered", _("delivered")
        UNDELIVERED = "undelivered", _("not delivered")

    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    to = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    provider_id = models.CharField(_("provider's id"), max_length=64, blank=True)
    # Sent to the provider for its duplicate check (Kavenegar's localid): random,
    # not the pk, which a restored or staging database would give out again.
    local_id = models.CharField(max_length=32, default=new_local_id, editable=False)
    delivery = models.CharField(
        _("delivery"), max_length=11, choices=Delivery.choices, default="", blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    send_after = models.DateTimeField(_("not before"), null=True, blank=True)
    sending_since = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivery_checked_at = models.DateTimeField(_("delivery checked"), null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        permissions = [("resend_message", _("Can send a failed or unknown message again"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sending", "sent", "failed", "unknown"]),
                name="messaging_message_status_known",
                violation_error_message=_("A message's status is one of its five."),
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(sending_since__isnull=False),
                name="messaging_message_sending_has_lease",
                violation_error_message=_("A message being sent has the time it began."),
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="messaging_message_sent_has_time",
                violation_error_message=_("A sent message has the time it was sent."),
            ),
        ]
        indexes = [
            # The sweeper: messages left "sending" past their lease.
            models.Index(fields=["status", "sending_since"], name="messaging_sending_idx"),
            # The admin's list of what to look at, newest first.
            models.Index(fields=["status", "-created_at"], name="messaging_status_idx"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.to} ({self.get_status_display()})"

    @property
    def parts(self):
        return sms.parts(self.text) if self.channel == self.Channel.SMS else None

    @property
    def urgent(self):
        """One-time codes go at once, also in quiet hours."""
        return self.purpose == self.Purpose.CODE


class OptOut(models.Model):
    """A number that asked for no more messages (a reply «لغو», the link, an organizer)."""

    class Source(models.TextChoices):
        REPLY = "reply", _("a reply")
        LINK = "link", _("the opt-out link")
        ORGANIZER = "organizer", _("an organizer")

    number = models.CharField(_("mobile"), max_length=11, unique=True)
    source = models.CharField(_("how"), max_length=9, choices=Source.choices)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")
        ordering = ["-created_at"]

    def __str__(self):
        return self.number
