"""Stored matches as pages and reports show them: in context, with reasons in words."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, OuterRef, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exhibitors.models import Membership
from fairs.layout import unit_neighbours
from fairs.models import Participation
from portal.lib.forms import persian_active
from portal.lib.text import to_persian_digits

from .engine import reasons_for, written_as
from .index import active_fairs
from .models import Match, Proximity
from .scoring import MIN_RELEVANCE

NEAR = [Proximity.NEIGHBOUR_BOOTH, Proximity.SAME_HALL, Proximity.SAME_FAIR]

# A match's strength in words, from its relevance (how well the product serves
# the need; proximity does not make a match stronger, it ranks it).
STRENGTHS = [
    (0.75, "strong", gettext_lazy("strong match")),
    (0.55, "good", gettext_lazy("good match")),
    (MIN_RELEVANCE, "possible", gettext_lazy("possible match")),
    # Kept only for a need with no match (scoring.FLOOR): not called a match.
    (0.0, "weak", gettext_lazy("may be worth a look")),
]


def strength(relevance):
    """("strong" | "good" | "possible" | "weak", its words) for a relevance in [0, 1]."""
    for floor, key, words in STRENGTHS:
        if relevance >= floor:
            return key, words
    return STRENGTHS[-1][1:]


@dataclass
class UnitCard:
    """One other unit on a dashboard: its matches for one need (its products),
    or for the reader's products (its needs), best first."""

    unit: object
    matches: list

    @property
    def best(self):
        return self.matches[0]

    @property
    def strength(self):
        return strength(self.best.relevance)


def first_units(rows, n, *, supplier=True):
    """The rows of the first ``n`` other units (in the rows' order), all of their
    rows: a dashboard shows units, however many products each brings."""
    kept, result = set(), []
    for match in rows:
        other = match.product.exhibitor_id if supplier else match.need.exhibitor_id
        if other not in kept:
            if len(kept) == n:
                continue
            kept.add(other)
        result.append(match)
    return result


def by_unit(rows):
    """Decorated matches as [UnitCard, …]: one card per other unit, in the order
    of each unit's best match."""
    cards = {}
    for match in rows:
        cards.setdefault(match.other.pk, UnitCard(match.other, [])).matches.append(match)
    return list(cards.values())


def context_fair(unit):
    """The fair whose booths count for this unit's matches: the first active fair
    it is approved at, or None."""
    participation = (
        Participation.objects.approved()
        .filter(exhibitor=unit, fair__in=active_fairs())
        .select_related("fair")
        .order_by("fair__starts_on")
        .first()
    )
    return participation.fair if participation else None


@dataclass
class Booths:
    """Where units stand at a fair and how far apart, for the proximity reasons."""

    fair: object = None
    booth: dict = field(default_factory=dict)  # unit pk → Booth (with hall)
    gap: dict = field(default_factory=dict)  # (unit pk, unit pk) → metres

    @classmethod
    def of(cls, fair):
        if fair is None:
            return cls()
        booths = cls(fair)
        rows = Participation.objects.approved().filter(fair=fair, booth__isnull=False)
        for participation in rows.select_related("booth__hall"):
            booths.booth[participation.exhibitor_id] = participation.booth
        for unit, neighbours in unit_neighbours(fair).items():
            for neighbour in neighbours:
                booths.gap[unit, neighbour.exhibitor.pk] = neighbour.gap
        return booths


def matches(queryset):
    """Matches with what their reasons and cards need, in two queries."""
    return queryset.select_related(
        "need__exhibitor__county__province",
        "need__exhibitor__park",
        "need__exhibitor__category",
        "product__exhibitor__county__province",
        "product__exhibitor__park",
        "product__category",
        "need__category",
    )


def suppliers_for(unit, fair, per_need=5):
    """[(need, [Match, …])] for each of the unit's needs, best first, in the fair's
    context (or none)."""
    needs = list(unit.needs.order_by("name"))
    rows = matches(
        Match.objects.filter(need__in=needs, fair=fair, product__isnull=False).order_by(
            "need", "-score", "product"
        )
    )
    by_need = defaultdict(list)
    for match in rows:
        if per_need is None or len(by_need[match.need_id]) < per_need:
            by_need[match.need_id].append(match)
    return [(need, by_need[need.pk]) for need in needs]


def buyers_for(unit, fair, limit=20):
    """Matches whose product is the unit's: the needs of other units it may serve,
    in the fair's context where the buyer is at that fair, else in none."""
    products = unit.products.all()
    rows = matches(
        Match.objects.filter(product__in=products, fair=fair) if fair else Match.objects.none()
    )
    found = {(m.need_id, m.product_id): m for m in rows}
    for match in matches(Match.objects.filter(product__in=products, fair__isnull=True)):
        found.setdefault((match.need_id, match.product_id), match)
    return sorted(found.values(), key=lambda m: (-m.score, m.need_id))[:limit]


def reason_texts(match, booths, *, supplier=True):
    """The reasons of a match as sentences, relevance first, then proximity.

    ``supplier``: the reader is the need's unit (the other unit is the
    product's); otherwise the reader makes the product.
    """
    texts = []
    why = match.reasons or reasons_for(match.need, match.product)
    level, code = why.get("category", [None, None])
    if level == "class":
        texts.append(_("same ISIC class %(code)s") % {"code": _digits(code)})
    elif level == "group":
        texts.append(_("same ISIC group %(code)s") % {"code": _digits(code)})
    elif level == "division":
        texts.append(_("same ISIC division %(code)s") % {"code": _digits(code)})
    elif level == "supplier":
        texts.append(
            _("ISIC division %(code)s, which the buyer's industry buys from")
            % {"code": _digits(code)}
        )
    product = match.product
    if why.get("name"):
        words = written_as(why["name"], product.name)
        texts.append(_("name shares: %(words)s") % {"words": _(", ").join(words)})
    if why.get("description"):
        words = written_as(why["description"], product.description)
        texts.append(_("description shares: %(words)s") % {"words": _(", ").join(words)})
    for phrase, theirs in why.get("related", []):
        mine = " ".join(written_as(phrase, match.need.name))
        texts.append(_("related words: %(need)s ≈ %(product)s") % {"need": mine, "product": theirs})
    texts.append(proximity_text(match, booths, supplier=supplier))
    return texts


def proximity_text(match, booths, *, supplier=True):
    need_unit = getattr(match, "need_unit", None) or match.need.exhibitor_id
    mine = need_unit if supplier else match.product.exhibitor_id
    other = match.product.exhibitor if supplier else match.need.exhibitor
    booth = booths.booth.get(other.pk)
    tier = match.proximity
    if tier == Proximity.NEIGHBOUR_BOOTH and booth:
        gap = booths.gap.get((mine, other.pk))
        if not gap:
            return _("booth %(code)s, next door") % {"code": _digits(booth.code)}
        return _("booth %(code)s, %(m)s m away") % {"code": _digits(booth.code), "m": _metres(gap)}
    if tier == Proximity.SAME_HALL and booth:
        return _("same hall: %(hall)s, booth %(code)s") % {
            "hall": booth.hall.name,
            "code": _digits(booth.code),
        }
    if tier == Proximity.SAME_FAIR:
        if booth:
            return _("also at the fair: booth %(code)s") % {"code": _digits(booth.code)}
        return _("also at the fair")
    if tier == Proximity.SAME_PARK:
        return _("same industrial park: %(park)s") % {"park": other.park}
    if tier == Proximity.SAME_COUNTY:
        return _("same county: %(county)s") % {"county": other.county}
    if tier == Proximity.SAME_PROVINCE:
        return _("same province: %(province)s") % {"province": other.county.province}
    if tier in NEAR:
        # The booth moved since the match was stored: say the tier itself.
        return str(Proximity(tier).label)
    return _("from %(place)s") % {"place": other.county.province}


def _digits(text):
    return to_persian_digits(text) if persian_active() else text


def _metres(value):
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return to_persian_digits(text) if persian_active() else text


def fair_summary(fair, halls, *, best=True):
    """Per hall: how many needs of its units a unit at the fair can supply, and the
    strongest neighbour matches (unless not ``best``: visitors do not see them).
    {hall pk: {"needs": n, "best": [Match, …]}}."""
    hall_of = dict(
        Participation.objects.approved()
        .filter(fair=fair, booth__isnull=False)
        .values_list("exhibitor_id", "booth__hall_id")
    )
    summary = {hall.pk: {"needs": 0, "best": []} for hall in halls}
    near = Match.objects.filter(fair=fair, proximity__in=NEAR, product__isnull=False)
    counted = near.values_list("need_id", "need__exhibitor_id").distinct()
    for _need, unit in counted:
        hall = hall_of.get(unit)
        if hall in summary:
            summary[hall]["needs"] += 1
    if not best:
        return summary
    # Every hall its own strongest three, ranked in one query.
    hall_of_buyer = Subquery(
        Participation.objects.approved()
        .filter(fair=fair, exhibitor=OuterRef("need__exhibitor"), booth__isnull=False)
        .values("booth__hall_id")[:1]
    )
    strongest = (
        near.filter(proximity=Proximity.NEIGHBOUR_BOOTH)
        .annotate(
            hall=hall_of_buyer,
            rank=Window(
                RowNumber(),
                partition_by=[F("hall")],
                order_by=[F("score").desc(), F("need_id"), F("product_id")],
            ),
        )
        .filter(rank__lte=3)
        .order_by("hall", "rank")
    )
    for match in matches(strongest):
        if match.hall in summary:
            summary[match.hall]["best"].append(match)
    return summary


def mark_reachable(rows):
    """Set ``reachable`` on each decorated match: whether its other unit has someone on
    the portal to write to (units imported from a registry often have nobody). One query."""
    others = {match.other.pk for match in rows}
    reachable = set(
        Membership.objects.filter(exhibitor__in=others, user__is_active=True).values_list(
            "exhibitor_id", flat=True
        )
    )
    for match in rows:
        match.reachable = match.other.pk in reachable
    return rows


def decorate(rows, booths, *, supplier=True):
    """Give each match what its card shows: ``texts`` (reasons), ``other`` (the other
    unit), ``other_item`` (its product or need), and its ``booth`` at the fair."""
    for match in rows:
        match.texts = reason_texts(match, booths, supplier=supplier)
        match.other = match.product.exhibitor if supplier else match.need.exhibitor
        match.other_item = match.product if supplier else match.need
        match.booth = booths.booth.get(match.other.pk)
        match.fair_slug = booths.fair.slug if booths.fair else ""
    return rows
