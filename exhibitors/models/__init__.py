from .items import AmountUnit, Item, Need, Product
from .places import Category, County, IndustrialPark, LocalizedNameMixin, Province
from .units import AccessRequest, Exhibitor, Invitation, Membership

__all__ = [
    "AccessRequest",
    "AmountUnit",
    "Category",
    "County",
    "Exhibitor",
    "IndustrialPark",
    "Invitation",
    "Item",
    "LocalizedNameMixin",
    "Membership",
    "Need",
    "Product",
    "Province",
]
