"""What units make (products) and buy (needs)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.lib.fields import CleanImageField
from portal.lib.text import normalize, persian_letters, search_text

from .places import Category, Province
from .units import Exhibitor


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
    # The normalized name, for ranking: a name that starts with the query first.
    name_key = models.CharField(max_length=200, editable=False, blank=True)
    search_text = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = normalize(self.name)
        self.search_text = search_text(self.name, description=self.description)
        super().save(*args, **kwargs)

    def clean(self):
        self.name = persian_letters(self.name)


def _item_constraints(model):
    return [
        models.UniqueConstraint(
            fields=["exhibitor", "name"],
            name=f"exhibitors_{model}_unique_name_per_exhibitor",
            violation_error_message=_("The unit already lists an item of this name."),
        ),
        models.CheckConstraint(
            condition=Q(monthly_amount__isnull=True) | Q(monthly_amount__gt=0),
            name=f"exhibitors_{model}_positive_amount",
            violation_error_message=_("The amount must be more than zero."),
        ),
        models.CheckConstraint(
            condition=Q(monthly_amount__isnull=True) | ~Q(amount_unit=""),
            name=f"exhibitors_{model}_amount_has_unit",
            violation_error_message=_("Choose the unit of the amount (kg, piece, m² …)."),
        ),
    ]


class Product(Item):
    exhibitor = models.ForeignKey(
        Exhibitor, on_delete=models.CASCADE, related_name="products", verbose_name=_("exhibitor")
    )
    image = CleanImageField(_("image"), upload_to="products/", blank=True)

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
