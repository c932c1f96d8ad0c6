from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from portal.lib.fields import NationalIdField, PhoneField
from portal.lib.text import normalize


class LocalizedNameMixin:
    """Models with name_fa and name_en show the one of the active language."""

    @property
    def name(self):
        if (get_language() or "fa").startswith("en") and self.name_en:
            return self.name_en
        return self.name_fa

    def __str__(self):
        return self.name


class Province(LocalizedNameMixin, models.Model):
    name_fa = models.CharField(_("name (Persian)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )

    class Meta:
        ordering = ["name_fa"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        constraints = [
            models.UniqueConstraint(fields=["name_fa"], name="exhibitors_province_unique_name"),
        ]


class County(LocalizedNameMixin, models.Model):
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="counties", verbose_name=_("province")
    )
    name_fa = models.CharField(_("name (Persian)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )

    class Meta:
        ordering = ["name_fa"]
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "name_fa"], name="exhibitors_county_unique_name_per_province"
            ),
        ]


class IndustrialPark(LocalizedNameMixin, models.Model):
    class Kind(models.TextChoices):
        PARK = "park", _("industrial park")
        ZONE = "zone", _("industrial zone")

    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="parks", verbose_name=_("county")
    )
    name_fa = models.CharField(_("name (Persian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind, default=Kind.PARK)
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )

    class Meta:
        ordering = ["name_fa"]
        verbose_name = _("industrial park")
        verbose_name_plural = _("industrial parks")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "name_fa"],
                name="exhibitors_industrialpark_unique_name_per_county",
            ),
        ]


class Category(LocalizedNameMixin, models.Model):
    """A node of the ISIC Rev.4 tree: section, division, group or class."""

    class Level(models.TextChoices):
        SECTION = "section", _("section")
        DIVISION = "division", _("division")
        GROUP = "group", _("group")
        CLASS = "class", pgettext_lazy("ISIC level", "class")

    code = models.CharField(_("ISIC code"), max_length=4)
    level = models.CharField(_("level"), max_length=8, choices=Level)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    name_fa = models.CharField(_("name (Persian)"), max_length=250)
    name_en = models.CharField(_("name (English)"), max_length=250)

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["code"], name="exhibitors_category_unique_code"),
        ]

    def __str__(self):
        return f"{self.code} · {self.name}"


class Exhibitor(models.Model):
    """A production unit: what takes a booth, makes products and has needs."""

    legal_name = models.CharField(_("legal name"), max_length=200)
    brand = models.CharField(_("brand"), max_length=100, blank=True)
    national_id = NationalIdField(_("national ID"), help_text=_("The 11-digit شناسه ملی."))
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
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
    mobile = PhoneField(_("mobile"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
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
        self.search_text = normalize(f"{self.legal_name} {self.brand} {self.description}")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("exhibitors:detail", kwargs={"pk": self.pk})

    def clean(self):
        if self.park_id and self.county_id and self.park.county_id != self.county_id:
            raise ValidationError(
                {"park": _("This industrial park is not in the chosen county.")},
                code="park_outside_county",
            )

    @property
    def display_name(self):
        return self.brand or self.legal_name


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


class AmountUnit(models.TextChoices):
    KG = "kg", _("kg")
    TON = "ton", _("ton")
    LITRE = "litre", _("litre")
    METRE = "m", _("metre")
    SQUARE_METRE = "m2", _("m²")
    CUBIC_METRE = "m3", _("m³")
    PIECE = "piece", _("piece")
    PAIR = "pair", _("pair")
    SET = "set", _("set")
    PACK = "pack", _("pack")
    ROLL = "roll", _("roll")


class Item(models.Model):
    """What products and needs share: something made or bought, in some amount a month."""

    name = models.CharField(_("name"), max_length=120)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    description = models.TextField(_("description"), max_length=2000, blank=True)
    monthly_amount = models.DecimalField(
        _("amount a month"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    amount_unit = models.CharField(_("unit"), max_length=8, choices=AmountUnit, blank=True)
    search_text = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_text = normalize(f"{self.name} {self.description}")
        super().save(*args, **kwargs)


def _item_constraints(model):
    return [
        models.CheckConstraint(
            condition=Q(monthly_amount__isnull=True) | Q(monthly_amount__gt=0),
            name=f"exhibitors_{model}_positive_amount",
            violation_error_message=_("The amount must be more than zero."),
        ),
    ]


class Product(Item):
    exhibitor = models.ForeignKey(
        Exhibitor, on_delete=models.CASCADE, related_name="products", verbose_name=_("exhibitor")
    )

    class Meta(Item.Meta):
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = _item_constraints("product")


class Need(Item):
    exhibitor = models.ForeignKey(
        Exhibitor, on_delete=models.CASCADE, related_name="needs", verbose_name=_("exhibitor")
    )
    current_source_province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bought today from"),
    )

    class Meta(Item.Meta):
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = _item_constraints("need")
