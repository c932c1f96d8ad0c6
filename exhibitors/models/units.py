"""Production units and the people who run them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.lib.fields import CleanImageField, MobileField, NationalIdField, PhoneField
from portal.lib.text import normalize, persian_letters, search_text

from .places import Category, County, IndustrialPark


class Exhibitor(models.Model):
    """A production unit: what takes a booth, makes products and has needs."""

    legal_name = models.CharField(_("legal name"), max_length=200)
    brand = models.CharField(_("brand"), max_length=100, blank=True)
    national_id = NationalIdField(_("national ID"), help_text=_("The 11-digit شناسه ملی."))
    # Required in the forms; empty only for units imported from a registry
    # that does not record their activity.
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=False,
        related_name="exhibitors",
        verbose_name=_("activity"),
    )
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="exhibitors", verbose_name=_("county")
    )
    park = models.ForeignKey(
        IndustrialPark,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exhibitors",
        verbose_name=_("industrial park"),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = PhoneField(_("phone"), blank=True)
    mobile = MobileField(_("mobile"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    logo = CleanImageField(_("logo"), upload_to="logos/", blank=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    # The normalized names, for ranking: a name that starts with the query first.
    name_key = models.CharField(max_length=300, editable=False, blank=True)
    search_text = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["legal_name"]
        verbose_name = _("exhibitor")
        verbose_name_plural = _("exhibitors")
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"],
                name="exhibitors_exhibitor_unique_national_id",
                # "unique" puts the message on the field, not above the form.
                violation_error_code="unique",
                violation_error_message=_("A unit with this national ID is already registered."),
            ),
        ]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        self.name_key = normalize(f"{self.brand} {self.legal_name}")
        self.search_text = search_text(self.legal_name, self.brand, description=self.description)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("exhibitors:detail", kwargs={"pk": self.pk})

    def clean(self):
        self.legal_name = persian_letters(self.legal_name)
        self.brand = persian_letters(self.brand)
        if self.park_id and self.county_id and self.park.county_id != self.county_id:
            raise ValidationError(
                {"park": _("This industrial park is not in the chosen county.")},
                code="park_outside_county",
            )

    @property
    def display_name(self):
        return self.brand or self.legal_name

    def completeness(self, products, needs):
        """(percent, what is missing): how far the unit's profile is from good matches.

        The one definition, for the dashboard's meter and for any report of
        completed profiles (100 is complete). What a unit makes and buys
        weighs most: a unit with neither is 0%, whatever else it has filled
        in, since nothing can be matched for it yet.
        """
        items = [*products, *needs]
        checks = [
            (30, bool(products), _("at least one product")),
            (20, bool(needs), _("at least one need")),
            (10, bool(self.description), _("a short description of what the unit does")),
            (10, bool(self.phone or self.mobile), _("a phone number")),
            (
                10,
                self.category is not None and self.category.level == "class",
                _("a 4-digit ISIC class as its activity"),
            ),
            (
                10,
                bool(items) and all(item.category_id for item in items),
                _("an ISIC category on every product and need"),
            ),
            (
                5,
                bool(items) and all(item.monthly_amount for item in items),
                _("a monthly amount on every product and need"),
            ),
            (5, bool(self.logo), _("a logo")),
        ]
        missing = [label for _weight, done, label in checks if not done]
        if not items:
            return 0, missing
        return sum(weight for weight, done, _label in checks if done), missing


class Membership(models.Model):
    """Who may edit a unit: only its members do."""

    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        STAFF = "staff", _("staff")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
        # Organizers and administrators are never members (clean()): the
        # admin's forms and its autocomplete offer only other accounts.
        limit_choices_to={"is_staff": False, "is_superuser": False},
    )
    exhibitor = models.ForeignKey(
        Exhibitor, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("exhibitor")
    )
    role = models.CharField(_("role"), max_length=8, choices=Role, default=Role.STAFF)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "exhibitor"],
                name="exhibitors_membership_unique_user_exhibitor",
                violation_error_message=_("This user is already a member of this unit."),
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.exhibitor}"

    def clean(self):
        if self.user_id and not_member_material(self.user):
            raise ValidationError({"user": staff_not_member()}, code="staff")


def not_member_material(user):
    """Organizers and administrators: they see every unit through the admin,
    and a membership would let them act as the unit on the portal."""
    return user.is_staff or user.is_superuser


def staff_not_member():
    return ValidationError(
        _("Organizers and administrators cannot be members of a unit."), code="staff"
    )


class AccessRequest(models.Model):
    """A user asks the organizers to join a unit that someone else registered."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        GRANTED = "granted", _("granted")
        DECLINED = "declined", _("declined")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="access_requests",
        verbose_name=_("user"),
    )
    exhibitor = models.ForeignKey(
        Exhibitor,
        on_delete=models.CASCADE,
        related_name="access_requests",
        verbose_name=_("exhibitor"),
    )
    message = models.TextField(_("message"), max_length=1000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "exhibitor"],
                condition=models.Q(status="pending"),
                name="exhibitors_accessrequest_one_pending",
                violation_error_message=_("You have already asked for access to this unit."),
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.exhibitor}"


class InvitationQuerySet(models.QuerySet):
    def open(self, now=None):
        """Not accepted, not withdrawn, not expired: what an owner is waiting for."""
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now or timezone.now()
        )


class Invitation(models.Model):
    """An owner invites a colleague, by email, to manage the unit.

    The link carries a random token; only its SHA-256 is stored
    (portal/lib/tokens.py). It works until ``expires_at``
    (settings.INVITATION_DAYS), once.
    """

    exhibitor = models.ForeignKey(
        Exhibitor, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("exhibitor")
    )
    email = models.EmailField(_("email"), help_text=_("Stored lower-cased."))
    role = models.CharField(
        _("role"), max_length=8, choices=Membership.Role, default=Membership.Role.STAFF
    )
    token_hash = models.CharField(max_length=64, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(
        pgettext_lazy("invitation", "withdrawn"), null=True, blank=True
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            # The invitation page looks the link up by its digest.
            models.UniqueConstraint(
                fields=["token_hash"], name="exhibitors_invitation_unique_token_hash"
            ),
            models.UniqueConstraint(
                fields=["exhibitor", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="exhibitors_invitation_one_open_per_email",
                violation_error_message=_("This address has already been invited."),
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.exhibitor}"

    @property
    def expired(self):
        return self.expires_at <= timezone.now()

    def problem(self):
        """Why the link no longer works (a ValidationError), or None."""
        if self.accepted_at is not None:
            return ValidationError(_("This invitation has already been used."), code="used")
        if self.revoked_at is not None:
            return ValidationError(
                _("This invitation was withdrawn. Ask the unit's owner for a new one."),
                code="revoked",
            )
        if self.expired:
            return ValidationError(
                _("This invitation has expired. Ask the unit's owner to invite you again."),
                code="expired",
            )
        return None
