"""The directory's filters, shared by the /suppliers/ page and the JSON API.

Fairs and halls are reached through the units' participations (the reverse
relation), so that this app does not import fairs.
"""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from . import search
from .models import County, Exhibitor, IndustrialPark, Product, Province

# Participation statuses and fair statuses, as fairs stores them.
APPROVED = "approved"
HIDDEN_FAIR_STATUSES = ("draft",)


def participation_model():
    return Exhibitor.participations.rel.related_model


def fair_model():
    return participation_model()._meta.get_field("fair").related_model


def validate_category(code):
    if "\x00" in code:
        return  # Django's own validator has refused it already
    if search.category_filter(code) is None:
        raise forms.ValidationError(
            _("No ISIC category has the code %(code)s."), code="category", params={"code": code}
        )


def validate_fair(slug):
    if "\x00" in slug:
        return  # Django's own validator has refused it already
    if not fair_model().objects.exclude(status__in=HIDDEN_FAIR_STATUSES).filter(slug=slug).exists():
        raise forms.ValidationError(
            _("No fair has the address %(slug)s."), code="fair", params={"slug": slug}
        )


def category_condition(code):
    return search.category_filter(code)


class DirectoryFilterSet(django_filters.FilterSet):
    """Filters named as the API names them; ``unit`` is the path to the unit."""

    unit = ""

    q = django_filters.CharFilter(
        label=_("What are you looking for?"), method="filter_q", max_length=200
    )
    category = django_filters.CharFilter(
        label=_("ISIC code"), method="filter_category", validators=[validate_category]
    )
    province = django_filters.ModelChoiceFilter(
        label=_("Province"), queryset=Province.objects.all(), method="filter_place"
    )
    county = django_filters.ModelChoiceFilter(
        label=_("County"),
        queryset=County.objects.select_related("province"),
        method="filter_place",
    )
    park = django_filters.ModelChoiceFilter(
        label=_("Industrial park"),
        queryset=IndustrialPark.objects.select_related("county"),
        method="filter_place",
    )
    fair = django_filters.CharFilter(
        label=_("Fair"), method="filter_fair", validators=[validate_fair]
    )
    hall = django_filters.NumberFilter(
        label=_("Hall"), method="filter_hall", min_value=1, max_value=2**31 - 1
    )

    PLACES = {"province": "county__province", "county": "county", "park": "park"}

    def path(self, name):
        return f"{self.unit}{name}"

    def filter_place(self, queryset, name, value):
        return queryset.filter(**{self.path(self.PLACES[name]): value})

    def filter_category(self, queryset, name, value):
        return queryset.filter(category_condition(value))

    def _approved(self, **conditions):
        unit_pk = OuterRef("exhibitor_id") if self.unit else OuterRef("pk")
        return Exists(
            participation_model().objects.filter(exhibitor=unit_pk, status=APPROVED, **conditions)
        )

    def filter_fair(self, queryset, name, value):
        return queryset.filter(self._approved(fair__slug=value))

    def filter_hall(self, queryset, name, value):
        return queryset.filter(self._approved(booth__hall_id=value))

    def filter_q(self, queryset, name, value):
        return search.matching(queryset, value)

    def ordered(self, matches):
        """The filtered rows in relevance order; ``matches`` is how many there are
        (or a guess above search.SIMILARITY_LIMIT when not yet known)."""
        query = self.form.cleaned_data.get("q") if self.is_valid() else ""
        if query:
            return search.ranked(self.qs, query, matches=matches, **self.rank_fields)
        return self.qs.order_by(*self.default_order)


class ProductFilterSet(DirectoryFilterSet):
    unit = "exhibitor__"
    rank_fields = {"name_field": "name"}
    default_order = ["exhibitor__legal_name", "name", "pk"]

    class Meta:
        model = Product
        fields = []


class ExhibitorFilterSet(DirectoryFilterSet):
    rank_fields = {"name_field": "legal_name"}
    default_order = ["legal_name", "pk"]

    class Meta:
        model = Exhibitor
        fields = []

    def filter_q(self, queryset, name, value):
        # A unit is found by its own name or by what it makes.
        products = search.matching(Product.objects.filter(exhibitor=OuterRef("pk")), value)
        return queryset.filter(search.matching_q(value) | Exists(products))

    def filter_category(self, queryset, name, value):
        # A unit is in a category by its activity or by a product.
        products = Product.objects.filter(category_condition(value), exhibitor=OuterRef("pk"))
        return queryset.filter(category_condition(value) | Exists(products))
