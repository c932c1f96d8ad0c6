"""Why (not)? Every component of one pair's score, and the rule that dropped it.

Organizers use it to answer "why isn't my neighbour suggested?": `manage.py
match_explain NEED_ID PRODUCT_ID [--fair SLUG]` prints it, and the admin's
need page shows it for the need's stored matches.
"""

import re
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count, Max, Min
from django.utils.translation import gettext as _

from exhibitors.models import Need, Product
from portal.lib.forms import persian_active
from portal.lib.text import to_persian_digits

from . import scoring
from .features import NAME, is_size
from .index import Context, Places, ProductIndex, Rarity, load_items
from .models import Dismissal, Match, Proximity

DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


@dataclass
class Explanation:
    need: Need
    product: Product
    fair: object
    need_terms: list  # [(term, weight)], heaviest first; related terms marked "≈"
    head: list
    product_terms: dict
    product_head: str
    shared: list
    words: float = 0.0
    head_found: bool = False
    head_is_head: bool = False
    head_in_name: bool = False
    sibling: bool = False
    other_size: bool = False
    own_kind: bool = False
    category: float = 0.0
    category_level: str = ""
    relevance: float = 0.0
    tier: str = ""
    score: float = 0.0
    candidate: bool = False
    # What a weak pair needs (scoring._kept_pairs): a word of the need's modifiers
    # (not a size) in the product's name, or the need's head as the product's own
    # head with another of the need's words.
    worth_a_look: bool = False
    dropped: list = field(default_factory=list)  # the rules that drop the pair, in words
    stored: object = None  # the stored Match, if any

    def lines(self):
        """The explanation as lines of text, for the command and the admin."""
        yes_no = {True: _("yes"), False: _("no")}
        out = [
            _("Need %(pk)s «%(name)s» of %(unit)s")
            % {"pk": self.need.pk, "name": self.need.name, "unit": self.need.exhibitor},
            _("Product %(pk)s «%(name)s» of %(unit)s")
            % {"pk": self.product.pk, "name": self.product.name, "unit": self.product.exhibitor},
            _("Context: %(fair)s") % {"fair": self.fair.slug if self.fair else _("no fair")},
            _("Need terms (weight): %(terms)s")
            % {"terms": ", ".join(f"{t} {w:.2f}" for t, w in self.need_terms) or "–"},
            _("Head of the need: %(head)s") % {"head": ", ".join(self.head) or "–"},
            _("Product terms: %(terms)s; head: %(head)s")
            % {
                "terms": ", ".join(
                    f"{t} ({_('name') if w == 1 else _('description')})"
                    for t, w in self.product_terms.items()
                )
                or "–",
                "head": self.product_head or "–",
            },
            _("Shared: %(terms)s") % {"terms": ", ".join(self.shared) or "–"},
            _("Word score W: %(w).3f") % {"w": self.words},
            _(
                "Head found: %(found)s (as the product's head: %(head)s; "
                "as a modifier of another thing: %(name)s)"
            )
            % {
                "found": yes_no[self.head_found],
                "head": yes_no[self.head_is_head],
                "name": yes_no[self.head_in_name],
            },
            _("Another kind of the same thing: %(v)s") % {"v": yes_no[self.sibling]},
            _("Another size than the need's: %(v)s") % {"v": yes_no[self.other_size]},
            _("The buyer's own kind of output: %(v)s") % {"v": yes_no[self.own_kind]},
            _("Category: %(level)s (C = %(c).2f)")
            % {"level": self.category_level or "–", "c": self.category},
            _("Relevance R: %(r).3f (a match from %(t).2f, worth a look from %(w).2f)")
            % {"r": self.relevance, "t": scoring.MIN_RELEVANCE, "w": scoring.FLOOR},
            _("Proximity: %(tier)s") % {"tier": Proximity(self.tier).label},
            _("Score: %(s).3f") % {"s": self.score},
            _("Candidate by the index: %(v)s") % {"v": yes_no[self.candidate]},
        ]
        if self.stored:
            out.append(
                _("Stored: yes (score %(s).3f, %(tier)s)")
                % {"s": self.stored.score, "tier": Proximity(self.stored.proximity).label}
            )
        else:
            out.append(_("Stored: no"))
        out += [_("Dropped: %(why)s") % {"why": why} for why in self.dropped]
        if persian_active():
            return [to_persian_digits(DECIMAL_POINT.sub("٫", line)) for line in out]
        return out


def explain(need, product, fair=None):
    """The Explanation of the pair (need, product) in the fair's context (or none)."""
    return explain_many(need, [product], fair)[0]


def explain_many(need, products, fair=None):
    """[Explanation] of the need with each of ``products``, in the fair's context:
    what they share (the need, its weights, places, stored matches) read once."""
    needs = load_items(Need.objects.filter(pk=need.pk), needs=True)
    items = load_items(Product.objects.filter(pk__in=[p.pk for p in products]))
    position = {pk: i for i, pk in enumerate(items.ids.tolist())}
    rarity = Rarity.from_table(set(needs.features[0].terms))
    (weighed,) = scoring.need_weights(needs, rarity)
    index = ProductIndex(items)
    context = Context.of_fair(fair) if fair else Context.none()
    places = Places.load({need.exhibitor_id} | {p.exhibitor_id for p in products})
    related = {t for _w, t, d in weighed.entries if d is not None}
    # Every part, as if each pair were a candidate (a floor under zero makes any
    # shared term enough); then whether the index would have found it.
    _rows, cols, parts = scoring.components(needs, index, [weighed], -1.0)
    part_of = {int(j): k for k, j in enumerate(cols.tolist())}
    relevance = parts.relevance()
    found_by_index = set(scoring.components(needs, index, [weighed], scoring.FLOOR)[1].tolist())
    tiers = scoring.tiers(np.repeat(needs.units, len(items)), items.units, places, context)
    stored = Match.objects.filter(need=need)
    stored = stored.filter(fair=fair) if fair else stored.filter(fair__isnull=True)
    kept = {m.product_id: m for m in stored.filter(product__in=[p.pk for p in products])}
    standing = stored.aggregate(low=Min("score"), best=Max("relevance"), n=Count("pk"))
    dismissed = set(
        Dismissal.objects.filter(need=need, product__in=[p.pk for p in products]).values_list(
            "product_id", flat=True
        )
    )
    level = {0.4: _("same division"), 0.7: _("same group"), 1.0: _("same class")}
    result = []
    for product in products:
        j = position[product.pk]
        offered = items.features[j]
        found = Explanation(
            need=need,
            product=product,
            fair=fair,
            need_terms=[
                (f"≈{t}" if t in related else t, w)
                for w, t, _d in sorted(weighed.entries, key=lambda e: -e[0])
            ],
            head=list(weighed.head),
            product_terms=offered.terms,
            product_head=offered.head,
            shared=[t for _w, t, _d in weighed.entries if t in offered.terms],
            worth_a_look=any(
                offered.terms.get(t) == NAME and not is_size(t) for t in weighed.modifiers
            ),
        )
        k = part_of.get(j)
        if k is not None:
            found.words = float(min(parts.words[k], 1.0))
            found.head_found = bool(parts.head_found[k])
            found.head_is_head = bool(parts.head_is_head[k])
            found.head_in_name = bool(parts.head_in_name[k] and not parts.covered[k])
            found.sibling = bool(parts.sibling[k] and parts.head_found[k])
            found.other_size = bool(parts.other_size[k])
            found.own_kind = bool(parts.own_kind[k] < 1)
            found.category = float(parts.category[k] if found.words > 0 else 0)
            found.relevance = float(min(relevance[k], 1.0))
            found.worth_a_look |= bool(parts.head_is_head[k] and parts.beyond_head[k])
        found.category_level = level.get(round(found.category, 1), "")
        if found.category and not needs.levels[0][0] >= 0:
            found.category_level = _("a division the buyer's industry buys from")
        found.candidate = j in found_by_index
        found.tier = scoring.TIERS[tiers[j]].value
        found.score = (
            scoring.RELEVANCE_WEIGHT * found.relevance
            + scoring.PROXIMITY_WEIGHT * scoring.TIER_WEIGHT[tiers[j]]
        )
        found.stored = kept.get(product.pk)
        same_unit = needs.units[0] == items.units[j]
        found.dropped = _dropped(found, weighed, same_unit, product.pk in dismissed, standing)
        result.append(found)
    return result


def _dropped(found, weighed, same_unit, dismissed, standing):
    why = []
    if not weighed:
        why.append(_("the need has no meaningful word (only stop words, digits or one letter)"))
    if same_unit:
        why.append(_("a unit is never matched with itself"))
    if dismissed:
        why.append(_("the buyer dismissed this product for this need"))
    if weighed and not found.shared:
        why.append(_("no word or related word in common (a category alone is not a match)"))
    elif weighed and not found.candidate:
        why.append(
            _("pruned: it shares none of the terms a product must share to reach the threshold")
        )
    if found.shared and found.relevance < scoring.FLOOR - 1e-9:
        why.append(
            _("relevance %(r).3f is under the threshold %(t).2f")
            % {"r": found.relevance, "t": scoring.FLOOR}
        )
    weak = found.shared and found.relevance < scoring.MIN_RELEVANCE - 1e-9
    if weak and not why and not found.worth_a_look:
        why.append(
            _(
                "relevance %(r).3f is under %(t).2f, no word of what the need says of "
                "its kind is in the product's name, and it is not the thing the need "
                "names with another of its words: not even worth a look"
            )
            % {"r": found.relevance, "t": scoring.MIN_RELEVANCE}
        )
    if not why and not found.stored:
        lowest, best = standing["low"], standing["best"]
        if weak and best is not None and best >= scoring.MIN_RELEVANCE - 1e-9:
            why.append(
                _(
                    "relevance %(r).3f is under %(t).2f: a weaker pair is shown only "
                    "to a need with no match"
                )
                % {"r": found.relevance, "t": scoring.MIN_RELEVANCE}
            )
        elif weak and best is not None:
            why.append(
                _("a need with no match shows only its best weaker pair (score %(s).3f)")
                % {"s": lowest}
            )
        elif best is not None and found.relevance < best - scoring.CLOSE_TO_BEST - 1e-9:
            why.append(
                _(
                    "relevance %(r).3f is more than %(d).1f under the need's best match "
                    "(%(b).3f): only those close to the best are kept"
                )
                % {"r": found.relevance, "d": scoring.CLOSE_TO_BEST, "b": best}
            )
        elif standing["n"] >= scoring.TOP and lowest is not None and found.score <= lowest:
            why.append(
                _("not among the best %(n)d for this need (the weakest kept scores %(s).3f)")
                % {"n": scoring.TOP, "s": lowest}
            )
        elif found.fair and found.need.exhibitor_id not in Context.of_fair(found.fair).units:
            why.append(_("the need's unit is not approved at this fair"))
    return why


def stored_explanations(need, fair=None, limit=10):
    """[(Match, Explanation)] for the need's best stored matches in a context."""
    rows = Match.objects.filter(need=need, product__isnull=False).select_related(
        "product__exhibitor"
    )
    rows = rows.filter(fair=fair) if fair else rows.filter(fair__isnull=True)
    rows = list(rows.order_by("-score", "product")[:limit])
    return list(zip(rows, explain_many(need, [m.product for m in rows], fair), strict=True))
