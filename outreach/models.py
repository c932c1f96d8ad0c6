"""Invitation campaigns to the units of the registry, the links they carry,
and the claims of units by their owners.

A campaign's recipients are frozen when it is sent: one row per unit, so that
a unit gets one message per campaign however often "send" is pressed. Each
recipient's link (/i/<code>) is a random code stored only as its SHA-256
(portal/lib/tokens.py); opening it counts a click and shows the claim page,
and only the code sent to the unit's mobile on record, confirmed by a POST,
claims the unit.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exhibitors.models import County, Exhibitor, IndustrialPark, Province
from fairs.models import Fair
from messaging.models import Message


def default_rate():
    return settings.CAMPAIGN_RATE


class Campaign(models.Model):
    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("email")
        BOTH = "both", _("SMS, and email where there is one")

    class State(models.TextChoices):
        ALL = "", _("every unit")
        NEVER_CLAIMED = "unclaimed", _("never claimed")
        NO_PRODUCT = "no_product", _("claimed, but no product")
        NOT_APPLIED = "not_applied", _("not applied to this fair")
        EARLIER_EDITION = "earlier", _("exhibited at an earlier edition, not applied to this one")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SENDING = "sending", _("sending")
        PAUSED = "paused", _("paused")
        DONE = "done", _("sent")

    fair = models.ForeignKey(
        Fair, on_delete=models.CASCADE, related_name="campaigns", verbose_name=_("fair")
    )
    name = models.CharField(_("name"), max_length=200)
    reminder_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("reminder of"),
        help_text=_(
            "A reminder goes to that campaign's recipients who have not claimed their unit "
            "or applied since; the filters below narrow it further."
        ),
    )
    # The audience.
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province"),
    )
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("county"),
    )
    park = models.ForeignKey(
        IndustrialPark,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("industrial park"),
    )
    isic = models.CharField(
        _("ISIC section or division"),
        max_length=2,
        blank=True,
        help_text=_("A section letter (C) or a 2-digit division (10); empty for all."),
    )
    state = models.CharField(
        _("units"), max_length=11, choices=State.choices, default=State.ALL, blank=True
    )
    # The message.
    channel = models.CharField(
        _("channel"), max_length=5, choices=Channel.choices, default=Channel.SMS
    )
    template_fa = models.TextField(
        _("message (Persian)"),
        max_length=2000,
        help_text=_("Placeholders: {unit}, {fair}, {dates}, {deadline}, {link}."),
    )
    template_en = models.TextField(
        _("message (English)"),
        max_length=2000,
        blank=True,
        help_text=_("Optional: for the email's English part."),
    )
    rate = models.PositiveSmallIntegerField(
        _("messages a second"), default=default_rate, help_text=_("At most 100.")
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    pause_reason = models.CharField(_("why paused"), max_length=300, blank=True)
    # Which chain of batches is the live one (services.resume starts a new one).
    chain = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        permissions = [("send_campaign", _("Can send, pause and resume a campaign"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=1, rate__lte=100),
                name="outreach_campaign_rate_range",
                violation_error_message=_("Between 1 and 100 messages a second."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def frozen(self):
        return self.status != self.Status.DRAFT

    @property
    def uses_sms(self):
        return self.channel in (self.Channel.SMS, self.Channel.BOTH)

    @property
    def uses_email(self):
        return self.channel in (self.Channel.EMAIL, self.Channel.BOTH)


class Recipient(models.Model):
    """One unit of a sent campaign: its message, its link and what it did."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        QUEUED = "queued", _("handed to messaging")
        SKIPPED = "skipped", _("skipped")

    class Skip(models.TextChoices):
        NONE = "", _("not skipped")
        NO_MOBILE = "no_mobile", _("no mobile on record")
        NOT_MOBILE = "not_mobile", _("the number on record is a landline or malformed")
        OPTED_OUT = "opted_out", _("opted out")
        NO_EMAIL = "no_email", _("no email on record")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="recipients", verbose_name=_("campaign")
    )
    unit = models.ForeignKey(
        Exhibitor,
        on_delete=models.CASCADE,
        related_name="campaign_recipients",
        verbose_name=_("unit"),
    )
    number = models.CharField(_("mobile"), max_length=11, blank=True)
    email = models.EmailField(_("email"), blank=True)
    status = models.CharField(
        _("status"), max_length=7, choices=Status.choices, default=Status.WAITING
    )
    skip_reason = models.CharField(
        _("why skipped"), max_length=10, choices=Skip.choices, blank=True, default=""
    )
    sms = models.ForeignKey(
        Message,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("SMS"),
    )
    mail = models.ForeignKey(
        Message,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("email"),
    )
    code_hash = models.CharField(max_length=64, editable=False)
    expires_at = models.DateTimeField(_("link expires"))
    clicks = models.PositiveIntegerField(_("clicks"), default=0)
    clicked_at = models.DateTimeField(_("first click"), null=True, blank=True)
    used_at = models.DateTimeField(_("link used"), null=True, blank=True)
    frozen_at = models.DateTimeField(_("frozen"), default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit"], name="outreach_recipient_once_per_campaign"
            ),
            models.UniqueConstraint(fields=["code_hash"], name="outreach_recipient_unique_code"),
        ]
        indexes = [
            # The sending job: a campaign's next recipient still waiting, in
            # order, read from the index alone (not a sort of all that wait).
            models.Index(fields=["campaign", "status", "id"], name="outreach_recipient_next"),
        ]

    def __str__(self):
        return f"{self.campaign} → {self.unit}"


class Claim(models.Model):
    """A person proved the unit's mobile on record and became its owner."""

    class Source(models.TextChoices):
        LINK = "link", _("an invitation's link")
        PAGE = "page", _("the unit's page")

    unit = models.ForeignKey(
        Exhibitor, on_delete=models.CASCADE, related_name="claims", verbose_name=_("unit")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="claims",
        verbose_name=_("account"),
    )
    number = models.CharField(_("mobile"), max_length=11)
    source = models.CharField(_("from"), max_length=4, choices=Source.choices)
    recipient = models.ForeignKey(
        Recipient,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("recipient"),
    )
    client = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        permissions = [("revoke_claim", _("Can revoke a claim"))]
        constraints = [
            # A unit has one standing claim at a time.
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(revoked_at__isnull=True),
                name="outreach_claim_one_standing",
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.number}"


class ImportRun(models.Model):
    """A registry or a floor plan uploaded in the admin: checked first (a dry run,
    as a job), written only when an organizer confirms (a job too).

    The files live under settings.IMPORT_ROOT, outside the public media, in a
    folder of the run's own; they are deleted once the run is done or
    cancelled."""

    class Kind(models.TextChoices):
        REGISTRY = "registry", _("registry of units (workbook or CSV files)")
        FLOORPLAN = "floorplan", _("floor plan of a fair (CSV)")

    class Status(models.TextChoices):
        CHECKING = "checking", _("checking")
        CHECKED = "checked", _("checked: waiting for you")
        IMPORTING = "importing", _("importing")
        DONE = "done", _("imported")
        CANCELLED = "cancelled", _("cancelled")
        FAILED = "failed", _("could not be read")

    kind = models.CharField(_("what"), max_length=9, choices=Kind.choices)
    fair = models.ForeignKey(
        Fair,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fair"),
    )
    files = models.JSONField(_("files"), default=list)
    status = models.CharField(
        _("status"), max_length=9, choices=Status.choices, default=Status.CHECKING
    )
    progress = models.CharField(_("progress"), max_length=200, blank=True)
    skip_invalid = models.BooleanField(_("write the good rows only"), default=False)
    # The dry run's findings, then the import's: {"problems": [...], "counts":
    # {...}, "new_counties": [...], "new_parks": [...], "formats": [...]}.
    report = models.JSONField(_("report"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def folder(self):
        from pathlib import Path

        return Path(settings.IMPORT_ROOT) / f"run-{self.pk}"

    @property
    def problem_count(self):
        return len(self.report.get("problems", []))
