"""Where units are and what they do: places and the ISIC category tree."""

from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class LocalizedNameMixin:
    """Models with name_fa and name_en show the one of the active language."""

    @property
    def name(self):
        if (get_language() or "fa").startswith("en") and self.name_en:
            return self.name_en
        return self.name_fa

    def __str__(self):
        return self.name


class Place(LocalizedNameMixin, models.Model):
    """What provinces, counties and parks share: names in both languages, a point."""

    name_fa = models.CharField(_("name (Persian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )

    class Meta:
        abstract = True
        ordering = ["name_fa"]


class Province(Place):
    class Meta(Place.Meta):
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        constraints = [
            models.UniqueConstraint(fields=["name_fa"], name="exhibitors_province_unique_name"),
        ]


class County(Place):
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="counties", verbose_name=_("province")
    )

    class Meta(Place.Meta):
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "name_fa"], name="exhibitors_county_unique_name_per_province"
            ),
        ]


class IndustrialPark(Place):
    class Kind(models.TextChoices):
        PARK = "park", _("industrial park")
        ZONE = "zone", _("industrial zone")

    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="parks", verbose_name=_("county")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind, default=Kind.PARK)

    class Meta(Place.Meta):
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
