"""Matches between what units need and what others make, and the requests that follow."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from exhibitors.models import AmountUnit, Exhibitor, Need, Product
from fairs.models import Fair
from portal.lib.text import normalize, persian_letters, to_ascii_digits


class Proximity(models.TextChoices):
    """How near the two units are, closest first. The values are an interface
    (match_report's "proximity")."""

    NEIGHBOUR_BOOTH = "neighbour_booth", _("booth next door")
    SAME_HALL = "same_hall", _("same hall")
    SAME_FAIR = "same_fair", _("same fair")
    SAME_PARK = "same_park", _("same park")
    SAME_COUNTY = "same_county", _("same county")
    SAME_PROVINCE = "same_province", _("same province")
    OTHER = "other", _("farther away")


class Match(models.Model):
    """A product that may serve a need, in a context: a fair (booths count) or none.

    Each need keeps its best matches (scoring.TOP) per context. ``reasons``
    may hold why the product is relevant; the engine leaves it empty and
    pages build it when shown (engine.reasons_for: {"category": [level, code],
    "name": [words], "description": [words], "related": [[words, word]]}); the
    proximity's reason is worked out when shown, from the booths as they are then.
    """

    # No foreign keys in the database: a full rematch writes a million rows,
    # and checking three keys for each at commit took longer than computing
    # them. Deletes go through the ORM, which cascades and nulls in Python;
    # a rematch rewrites the table anyway. No index of their own either: the
    # indexes below begin with them.
    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    # SET_NULL, not CASCADE: a deleted product leaves a gap that tells the
    # engine which needs to look at again.
    product = models.ForeignKey(
        Product,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    fair = models.ForeignKey(
        Fair,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    relevance = models.FloatField()
    score = models.FloatField()
    proximity = models.CharField(max_length=16, choices=Proximity)
    reasons = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(
                fields=["need", "product"],
                condition=Q(fair__isnull=True),
                name="matching_match_one_per_pair",
            ),
            models.UniqueConstraint(
                fields=["need", "product", "fair"],
                condition=Q(fair__isnull=False),
                name="matching_match_one_per_pair_and_fair",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=1, relevance__gte=0, relevance__lte=1),
                name="matching_match_scores_in_unit_interval",
            ),
        ]
        indexes = [
            models.Index(fields=["need", "fair", "-score"], name="matching_match_need_best"),
            models.Index(fields=["product", "fair"], name="matching_match_product"),
        ]

    def __str__(self):
        return f"{self.need} ← {self.product} ({self.score:.2f})"


class Term(models.Model):
    """How many products use a term: the rarer, the more a shared term is worth.

    Rebuilt by a full rematch; a new product adds to it in between.
    """

    term = models.CharField(max_length=200, primary_key=True)
    products = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")

    def __str__(self):
        return self.term


class NeedTerm(models.Model):
    """One of a need's terms, with what a product that has it can bring the need:
    the index a new product's candidate needs come from (reach.candidate_needs).

    ``weight``: the term's share of the need's word score (scoring.Weighed);
    ``head``: the term finds the need's head (a product without one keeps
    HEADLESS); ``code``: the need's ISIC code (digits, up to a class; the
    category score a product can add); ``bar``: the least relevance a product
    needs to enter the need's matches (its best less CLOSE_TO_BEST, at least
    MIN_RELEVANCE). Written with the need's matches; a bar that has since
    risen only lets more needs through, never fewer."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    term = models.CharField(max_length=200)
    weight = models.FloatField(default=1.0)
    head = models.BooleanField(default=True)
    code = models.CharField(max_length=4, blank=True)
    bar = models.FloatField(default=0.0)

    class Meta:
        # A new product's candidate needs: term IN (…), summed per need.
        indexes = [models.Index(fields=["term"], name="matching_needterm_term")]

    def __str__(self):
        return self.term


class ContactRequest(models.Model):
    """One unit writes to another about what it needs; the thread follows in messages."""

    class Status(models.TextChoices):
        SENT = "sent", _("sent")
        ANSWERED = "answered", _("answered")
        DECLINED = "declined", _("declined")

    sender = models.ForeignKey(
        Exhibitor,
        on_delete=models.CASCADE,
        related_name="contact_requests_sent",
        verbose_name=_("from"),
    )
    receiver = models.ForeignKey(
        Exhibitor,
        on_delete=models.CASCADE,
        related_name="contact_requests_received",
        verbose_name=_("to"),
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    # What the request was about, kept apart from the matches (which every
    # rematch rewrites): a request is the strongest sign that a pair was right.
    need = models.ForeignKey(
        Need, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(_("what you need"), max_length=120)
    amount = models.DecimalField(
        _("amount a month"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    amount_unit = models.CharField(_("unit"), max_length=8, choices=AmountUnit, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.SENT)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("contact request")
        verbose_name_plural = _("contact requests")
        constraints = [
            models.CheckConstraint(
                condition=~Q(sender=models.F("receiver")),
                name="matching_contact_not_to_oneself",
                violation_error_message=_("A unit cannot write to itself."),
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0),
                name="matching_contact_positive_amount",
                violation_error_message=_("The amount must be more than zero."),
            ),
        ]
        indexes = [models.Index(fields=["sender", "created_at"], name="matching_contact_daily")]

    def __str__(self):
        return f"{self.sender} → {self.receiver}: {self.subject}"


class ContactMessage(models.Model):
    request = models.ForeignKey(ContactRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        Exhibitor, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit")
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("message"), max_length=4000)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self):
        return self.body[:60]


class Dismissal(models.Model):
    """A unit said a product does not serve its need: the pair never comes back for
    that need, through any rematch (the engine excludes it before it keeps the
    best). Data for the next tuning round, not an online learner."""

    class Reason(models.TextChoices):
        NOT_RELEVANT = "not_relevant", _("not what we need")
        OWN_KIND = "own_kind", _("we make this ourselves")
        TOO_FAR = "too_far", _("too far away")

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="dismissals")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="dismissals")
    reason = models.CharField(_("why"), max_length=16, choices=Reason, default=Reason.NOT_RELEVANT)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("dismissed match")
        verbose_name_plural = _("dismissed matches")
        constraints = [
            models.UniqueConstraint(fields=["need", "product"], name="matching_dismissal_once")
        ]

    def __str__(self):
        return f"{self.need} ✕ {self.product}"


class SupplyLink(models.Model):
    """The supply-chain map: units of one ISIC division buy these inputs from
    another division. Loaded from matching/data/supply_chain.csv; organizers
    edit it in the admin. Suggested needs come from it."""

    buyer_division = models.CharField(_("buyer division"), max_length=2, db_index=True)
    supplier_division = models.CharField(_("supplier division"), max_length=2)
    inputs_fa = models.CharField(
        _("typical inputs (Persian)"),
        max_length=300,
        help_text=_("Separated by «؛»."),
    )
    inputs_en = models.CharField(
        _("typical inputs (English)"), max_length=300, blank=True, help_text=_("Separated by ;")
    )

    class Meta:
        ordering = ["buyer_division", "supplier_division"]
        verbose_name = _("supply-chain link")
        verbose_name_plural = _("supply-chain map")
        constraints = [
            models.UniqueConstraint(
                fields=["buyer_division", "supplier_division"], name="matching_supplylink_once"
            ),
            models.CheckConstraint(
                condition=~Q(buyer_division=models.F("supplier_division")),
                name="matching_supplylink_not_itself",
                violation_error_message=_("A division does not supply itself here."),
            ),
        ]

    def __str__(self):
        return f"{self.buyer_division} ← {self.supplier_division}"

    def clean(self):
        errors = {}
        for name in ("buyer_division", "supplier_division"):
            value = to_ascii_digits(getattr(self, name) or "").strip()
            setattr(self, name, value)
            if not (len(value) == 2 and value.isdigit()):
                errors[name] = ValidationError(
                    _("An ISIC division is two digits, such as 10 or 22."), code="division"
                )
        self.inputs_fa = persian_letters(self.inputs_fa or "")
        names = [name for name, _english in self.inputs()]
        if any(len(name) > 120 for name in names):
            errors["inputs_fa"] = ValidationError(
                _("Each input is a need's name: at most 120 characters."), code="long_input"
            )
        elif len({normalize(name) for name in names}) < len(names):
            errors["inputs_fa"] = ValidationError(
                _("An input is listed twice."), code="repeated_input"
            )
        if errors:
            raise ValidationError(errors)

    def inputs(self, language="fa"):
        """[(Persian name, English name)] of the typical inputs."""
        fa = [x.strip() for x in self.inputs_fa.split("؛") if x.strip()]
        en = [x.strip() for x in self.inputs_en.split(";")]
        return [(name, en[i] if i < len(en) else "") for i, name in enumerate(fa)]


class NeedSuggestion(models.Model):
    """A unit's answer to a suggested need (from the supply-chain map): added (then
    it is an ordinary need) or dismissed for good. Suggestions not yet answered
    are worked out when shown, and are not stored."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("added")
        DISMISSED = "dismissed", _("dismissed")

    exhibitor = models.ForeignKey(
        Exhibitor, on_delete=models.CASCADE, related_name="need_suggestions"
    )
    name = models.CharField(_("suggested need"), max_length=120)
    supplier_division = models.CharField(_("supplier division"), max_length=2)
    status = models.CharField(_("status"), max_length=10, choices=Status)
    need = models.ForeignKey(
        Need, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("suggested need")
        verbose_name_plural = _("suggested needs")
        constraints = [
            models.UniqueConstraint(
                fields=["exhibitor", "name"], name="matching_needsuggestion_once"
            )
        ]

    def __str__(self):
        return f"{self.exhibitor}: {self.name} ({self.get_status_display()})"


class Pending(models.Model):
    """What is waiting to be matched again (services.on_change, tasks.py).

    A row of kind "fair", "everything" or "items" stands for one queued job:
    while it is here, a write adds no second job for the same thing. Rows of
    the item kinds (need, product, ...) are what the next "items" job takes.
    """

    class Kind(models.TextChoices):
        EVERYTHING = "everything", _("everything")
        FAIR = "fair", _("a fair")
        ITEMS = "items", _("needs and products")
        NEED = "need", _("a need")
        PRODUCT = "product", _("a product")
        NEW_PRODUCT = "new", _("a new product")
        UNIT = "unit", _("a unit")

    kind = models.CharField(_("what"), max_length=10, choices=Kind.choices)
    key = models.BigIntegerField(_("id"), default=0)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)
    # A job that failed: how often, and its last error. After MATCHING_ATTEMPTS
    # it waits for an organizer (the admin's "Try again").
    attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("pending recompute")
        verbose_name_plural = _("pending recomputes")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"],
                name="matching_pending_once",
                violation_error_message=_("This is already waiting to be matched again."),
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.key or ''}".strip()
