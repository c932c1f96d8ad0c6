from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest, Round
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from exhibitors.models import County, Exhibitor


class FairQuerySet(models.QuerySet):
    def public(self):
        """Fairs a visitor may see: everything but drafts."""
        return self.exclude(status=Fair.Status.DRAFT)

    def current_and_upcoming(self, today=None):
        today = today or timezone.localdate()
        return self.public().filter(ends_on__gte=today).order_by("starts_on")

    def past(self, today=None):
        today = today or timezone.localdate()
        return self.public().filter(ends_on__lt=today).order_by("-starts_on")

    def open_for_registration(self, today=None):
        today = today or timezone.localdate()
        return self.filter(
            status=Fair.Status.OPEN,
            registration_opens_on__lte=today,
            registration_closes_on__gte=today,
        )


class Fair(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")
        ARCHIVED = "archived", _("archived")

    title_fa = models.CharField(_("title (Persian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, help_text=_("Used in the fair's address."))
    edition = models.PositiveSmallIntegerField(_("edition"), null=True, blank=True)
    series = models.CharField(
        _("series"), max_length=200, blank=True, help_text=_("Editions of one series share it.")
    )
    venue_fa = models.CharField(_("venue (Persian)"), max_length=200, blank=True)
    venue_en = models.CharField(_("venue (English)"), max_length=200, blank=True)
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="fairs", verbose_name=_("county")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    registration_opens_on = models.DateField(_("registration opens on"))
    registration_closes_on = models.DateField(_("registration closes on"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = FairQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("fair")
        verbose_name_plural = _("fairs")
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                name="fairs_fair_unique_slug",
                # "unique" puts the message on the field, not above the form.
                violation_error_code="unique",
                violation_error_message=_("Another fair already uses this slug."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="fairs_fair_ends_after_start",
                violation_error_message=_("A fair cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(registration_closes_on__gte=F("registration_opens_on")),
                name="fairs_fair_registration_closes_after_opening",
                violation_error_message=_("Registration cannot close before it opens."),
            ),
            models.CheckConstraint(
                condition=Q(registration_closes_on__lte=F("ends_on")),
                name="fairs_fair_registration_closes_by_the_end",
                violation_error_message=_("Registration must close by the fair's last day."),
            ),
        ]
        indexes = [
            # The home page: public (not draft) fairs that have not ended.
            models.Index(
                fields=["ends_on"], condition=~Q(status="draft"), name="fairs_fair_public_ends"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("fairs:detail", kwargs={"slug": self.slug})

    @property
    def title(self):
        if (get_language() or "fa").startswith("en") and self.title_en:
            return self.title_en
        return self.title_fa

    @property
    def venue(self):
        if (get_language() or "fa").startswith("en") and self.venue_en:
            return self.venue_en
        return self.venue_fa

    def is_open_for_registration(self, today=None):
        today = today or timezone.localdate()
        return (
            self.status == self.Status.OPEN
            and self.registration_opens_on <= today <= self.registration_closes_on
        )


class Hall(models.Model):
    fair = models.ForeignKey(
        Fair, on_delete=models.CASCADE, related_name="halls", verbose_name=_("fair")
    )
    code = models.CharField(
        _("code"), max_length=10, help_text=_("Short, as on the signs: A, B, 1.")
    )
    name_fa = models.CharField(_("name (Persian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    width = models.DecimalField(_("width (m)"), max_digits=7, decimal_places=2)
    depth = models.DecimalField(_("depth (m)"), max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["fair", "code"]
        verbose_name = _("hall")
        verbose_name_plural = _("halls")
        constraints = [
            models.UniqueConstraint(
                fields=["fair", "code"],
                name="fairs_hall_unique_code_per_fair",
                violation_error_message=_("This fair already has a hall with this code."),
            ),
            models.CheckConstraint(
                condition=Q(width__gt=0) & Q(depth__gt=0),
                name="fairs_hall_positive_size",
                violation_error_message=_("A hall's width and depth must be more than zero."),
            ),
        ]

    def __str__(self):
        # With its fair: halls of different editions share codes and names.
        return f"{self.name} · {self.fair}"

    @property
    def name(self):
        if (get_language() or "fa").startswith("en") and self.name_en:
            return self.name_en
        return self.name_fa


def _gap_along(start, size, other_start, other_size):
    """SQL for the gap between a booth's and another rectangle's extents on one
    axis, 0 where they overlap, rounded to centimetres."""
    return Round(
        Greatest(
            Value(Decimal(0), output_field=models.DecimalField()),
            F(start) - (other_start + other_size),
            Value(other_start) - (F(start) + F(size)),
            output_field=models.DecimalField(),
        ),
        2,
    )


class BoothQuerySet(models.QuerySet):
    def free(self, fair):
        """Booths of the fair that no participation holds."""
        return self.filter(fair=fair, participations__isnull=True)

    def neighbours(self, booth, metres=None):
        """Booths in the same hall at most ``metres`` apart, edge to edge.

        ``metres`` defaults to the PORTAL_NEIGHBOUR_METRES setting. The gap
        is worked out in SQL; positions are whole centimetres, so the gaps
        are rounded to centimetres before comparing (SQLite computes in
        floating point, where 5.9 - 2.9 is not exactly 3).
        """
        metres = Decimal(settings.PORTAL_NEIGHBOUR_METRES if metres is None else metres)
        gap_x = _gap_along("x", "width", booth.x, booth.width)
        gap_y = _gap_along("y", "height", booth.y, booth.height)
        return (
            self.filter(hall_id=booth.hall_id)
            .exclude(pk=booth.pk)
            .alias(gap_x=gap_x, gap_y=gap_y)
            # A cheap box first (the hall's booths near this one), then the
            # exact distance; the tiny slack absorbs floating-point squares.
            .filter(gap_x__lte=metres, gap_y__lte=metres)
            .alias(gap_squared=F("gap_x") * F("gap_x") + F("gap_y") * F("gap_y"))
            .filter(gap_squared__lte=metres * metres + Decimal("0.000001"))
        )


class Booth(models.Model):
    """A rectangle in a hall, in metres from the hall's top-left corner."""

    # The fair is the hall's fair, kept here so that the database can hold
    # booth codes unique per fair.
    fair = models.ForeignKey(
        Fair, on_delete=models.CASCADE, related_name="booths", verbose_name=_("fair")
    )
    hall = models.ForeignKey(
        Hall, on_delete=models.CASCADE, related_name="booths", verbose_name=_("hall")
    )
    code = models.CharField(_("code"), max_length=20)
    x = models.DecimalField(_("x (m)"), max_digits=7, decimal_places=2, default=0)
    y = models.DecimalField(_("y (m)"), max_digits=7, decimal_places=2, default=0)
    width = models.DecimalField(_("width (m)"), max_digits=7, decimal_places=2)
    height = models.DecimalField(_("depth (m)"), max_digits=7, decimal_places=2)

    objects = BoothQuerySet.as_manager()

    class Meta:
        ordering = ["fair", "code"]
        verbose_name = _("booth")
        verbose_name_plural = _("booths")
        constraints = [
            models.UniqueConstraint(
                fields=["fair", "code"],
                name="fairs_booth_unique_code_per_fair",
                violation_error_message=_("This fair already has a booth with this code."),
            ),
            models.CheckConstraint(
                condition=Q(width__gt=0) & Q(height__gt=0),
                name="fairs_booth_positive_size",
                violation_error_message=_("A booth's width and depth must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(x__gte=0) & Q(y__gte=0),
                name="fairs_booth_inside_hall_origin",
                violation_error_message=_("A booth's position cannot be negative."),
            ),
        ]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        if self.hall_id:
            self.fair_id = self.hall.fair_id
        super().save(*args, **kwargs)

    def clean(self):
        if not self.hall_id:
            return
        self.fair_id = self.hall.fair_id
        if self.pk and self.participations.exclude(fair_id=self.fair_id).exists():
            raise ValidationError(
                {"hall": _("This booth is held by a unit of its fair: free it before moving it.")},
                code="held_booth_moved",
            )
        if None in (self.x, self.y, self.width, self.height):
            return
        if self.x + self.width > self.hall.width or self.y + self.height > self.hall.depth:
            raise ValidationError(
                _("The booth does not fit in the hall (%(width)s × %(depth)s m).")
                % {"width": self.hall.width, "depth": self.hall.depth},
                code="outside_hall",
            )
        overlapping = (
            Booth.objects.filter(hall_id=self.hall_id)
            .exclude(pk=self.pk)
            .filter(
                x__lt=self.x + self.width,
                x__gt=self.x - F("width"),
                y__lt=self.y + self.height,
                y__gt=self.y - F("height"),
            )
            .values_list("code", flat=True)
        )
        if overlapping:
            raise ValidationError(
                _("The booth overlaps booth %(codes)s.") % {"codes": ", ".join(overlapping)},
                code="overlap",
            )


class ParticipationQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Participation.Status.APPROVED)


class Participation(models.Model):
    """An exhibitor at a fair: its application, the organizers' decision, its booth."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("applied")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    fair = models.ForeignKey(
        Fair, on_delete=models.CASCADE, related_name="participations", verbose_name=_("fair")
    )
    exhibitor = models.ForeignKey(
        Exhibitor,
        on_delete=models.CASCADE,
        related_name="participations",
        verbose_name=_("exhibitor"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.APPLIED)
    booth = models.ForeignKey(
        Booth,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participations",
        verbose_name=_("booth"),
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    applied_at = models.DateTimeField(_("applied"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        ordering = ["fair", "exhibitor"]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=["fair", "exhibitor"],
                name="fairs_participation_one_per_fair_exhibitor",
                violation_error_message=_("This unit has already applied to this fair."),
            ),
            models.UniqueConstraint(
                fields=["booth"],
                name="fairs_participation_one_per_booth",
                # "unique" puts the message on the field, not above the form.
                violation_error_code="unique",
                violation_error_message=_("This booth is already taken by another unit."),
            ),
            models.CheckConstraint(
                condition=Q(booth__isnull=True) | Q(status="approved"),
                name="fairs_participation_booth_only_when_approved",
                violation_error_message=_("Only an approved participation can hold a booth."),
            ),
        ]
        indexes = [
            # The fair page: approved participations of one fair.
            models.Index(fields=["fair", "status"], name="fairs_partic_fair_status"),
        ]

    def __str__(self):
        return f"{self.exhibitor} · {self.fair}"

    def clean(self):
        if self.booth_id and self.fair_id and self.booth.fair_id != self.fair_id:
            raise ValidationError(
                {"booth": _("This booth belongs to another fair.")}, code="booth_of_another_fair"
            )
