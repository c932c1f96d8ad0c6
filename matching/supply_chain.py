"""The supply-chain map (who buys from whom) and the needs it suggests.

The map ships as matching/data/supply_chain.csv, is loaded into SupplyLink
by a migration, and organizers edit it in the admin. A unit's suggested
needs are the typical inputs of its activity's division that it has neither
typed as a need nor answered.
"""

import csv
import time

from django.db import IntegrityError, transaction

from exhibitors.models import Need
from portal.lib import changes
from portal.lib.text import normalize, persian_letters

from .features import DATA
from .models import NeedSuggestion, SupplyLink

# A unit with this many needs or more gets no suggestions: it types its own.
FEW_NEEDS = 3
SHOWN = 6


def buying_from():
    """{buyer division: the divisions it buys from}, as numbers, from the map as
    it is now (one small query: the engine reads it at each recompute, so that
    an update and a rematch read the same)."""
    found = {}
    for buyer, supplier in SupplyLink.objects.values_list("buyer_division", "supplier_division"):
        if buyer.isdigit() and supplier.isdigit():
            found.setdefault(int(buyer), set()).add(int(supplier))
    return {buyer: frozenset(suppliers) for buyer, suppliers in found.items()}


_cached = (None, -1e9)


def cached_buying_from(seconds=60):
    """buying_from() read at most once a minute by this process: for the reasons a
    page shows (a map edited in the admin shows within a minute; the engine
    reads it afresh, and the edit asks for a rematch)."""
    global _cached
    links, read_at = _cached
    now = time.monotonic()
    if links is None or now - read_at > seconds:
        links = buying_from()
        _cached = (links, now)
    return links


def read_in(codes, activities, links=None):
    """Per need (its ISIC code, its unit's activity code): the divisions a need
    without a category is read in, those its unit's division buys from (not its
    own: that is where its competitors are); none for a need with a category or
    a unit without an activity."""
    if all(code[:2].isdigit() for code in codes):
        return [frozenset()] * len(codes)
    links = buying_from() if links is None else links
    found = []
    for code, activity in zip(codes, activities, strict=True):
        if code[:2].isdigit() or not activity[:2].isdigit():
            found.append(frozenset())
            continue
        found.append(links.get(int(activity[:2]), frozenset()))
    return found


def read_map(path=None):
    """The rows of the map's CSV, comment lines skipped."""
    with (path or DATA / "supply_chain.csv").open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


def suggestions_for(unit, limit=SHOWN, needs=None, english=False):
    """[(name, supplier division)]: what units of this one's division usually buy
    and it has not typed as a need nor answered; none for a unit with FEW_NEEDS
    needs or more, or without an activity. ``needs``: the unit's, if loaded;
    ``english``: (name, supplier division, English name) instead."""
    code = unit.category.code if unit.category_id else ""
    if not code[:2].isdigit():
        return []
    if needs is None:
        needs = list(Need.objects.filter(exhibitor=unit))
    needs = {normalize(n.name) for n in needs}
    if len(needs) >= FEW_NEEDS:
        return []
    answered = {
        normalize(n)
        for n in NeedSuggestion.objects.filter(exhibitor=unit).values_list("name", flat=True)
    }
    found, seen = [], set(needs) | answered
    for link in SupplyLink.objects.filter(buyer_division=code[:2]).order_by("pk"):
        for name, in_english in link.inputs():
            name, key = persian_letters(name), normalize(name)
            # A need's name holds 120 characters; an input twice is offered once.
            if len(name) > 120 or key in seen:
                continue
            seen.add(key)
            found.append((name, link.supplier_division, in_english))
    # One from each supplier division first, so a few cards show the breadth;
    # made goods before farm and mine products.
    ordered = []
    for made in (True, False):
        by_division = {}
        for item in found:
            if ("10" <= item[1] <= "33") == made:
                by_division.setdefault(item[1], []).append(item)
        while any(by_division.values()) and len(ordered) < limit:
            for division in list(by_division):
                if by_division[division] and len(ordered) < limit:
                    ordered.append(by_division[division].pop(0))
    return ordered if english else [(name, division) for name, division, _en in ordered]


def answer(*, unit, user, name, accept):
    """Add a suggested need (an ordinary Need, then matched) or dismiss it for good.

    Side effects: a NeedSuggestion row; with ``accept`` a Need of the unit, with
    its matches computed when the transaction commits (portal.lib.changes).
    Returns the NeedSuggestion; a second answer for the same name returns the
    first one unchanged (a double tap)."""
    offered = dict(suggestions_for(unit, limit=100))
    existing = NeedSuggestion.objects.filter(exhibitor=unit, name=name).first()
    if existing:
        return existing
    if name not in offered:
        raise LookupError(name)
    try:
        with transaction.atomic():
            need = None
            if accept:
                need = Need.objects.create(exhibitor=unit, name=name)
                changes.changed(needs=[need.pk])
            return NeedSuggestion.objects.create(
                exhibitor=unit,
                name=name,
                supplier_division=offered[name],
                status=NeedSuggestion.Status.ACCEPTED
                if accept
                else NeedSuggestion.Status.DISMISSED,
                need=need,
                decided_by=user,
            )
    except IntegrityError:
        return NeedSuggestion.objects.get(exhibitor=unit, name=name)
