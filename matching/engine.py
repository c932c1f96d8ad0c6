"""The matching engine: for every need, the products that serve it, nearest first.

How a pair is scored (docs/matching.md has the reasoning and the figures):

- **Word score** W in [0, 1]: the share of the need's terms (features.terms)
  that the product also has, each term weighed by its rarity among products
  (inverse document frequency) and by where it stands in the need (name 1,
  description 0.4); a term the product has only in its description counts
  0.4 of a name term.
- **Category score** C in [0, 1]: 0.4 for the same ISIC division, 0.7 for
  the same group, 1 for the same class.
- **Relevance** R = 0.65 W + 0.35 C. A pair needs R ≥ MIN_RELEVANCE, so the
  same class alone (0.35) is a weak match and the same group alone is none;
  a need without a single meaningful word matches nothing.
- **Score** = 0.85 R + 0.15 P, P the proximity tier's weight (next booth 1,
  same hall 0.8, same fair 0.6, same park 0.45, same county 0.3, same
  province 0.15, other 0): relevance first, proximity decides near-ties, and
  an equally relevant product next door always outranks one from farther.

Candidates come from indexes, never from every product for every need: the
pairs are the non-zero cells of sparse products (needs × terms) · (terms ×
products) and (needs × categories) · (categories × products), which visit
only the postings of the terms and categories a need has. Incremental
updates fetch candidates by term and division from the database.
"""

import functools
import json
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from scipy import sparse

from exhibitors.models import Exhibitor, Need, Product
from fairs.layout import unit_neighbours
from fairs.models import Fair, Participation

from . import features
from .features import DESCRIPTION, NAME, category_features, terms
from .models import Match, Proximity, Term

TOP = 20
MIN_RELEVANCE = 0.3
WORD_WEIGHT, CATEGORY_WEIGHT = 0.65, 0.35
LEVEL_WEIGHT = {2: 0.4, 3: 0.3, 4: 0.3}
RELEVANCE_WEIGHT, PROXIMITY_WEIGHT = 0.85, 0.15
# Closest first: a tier's index is its code in the arrays below.
TIERS = [
    Proximity.NEIGHBOUR_BOOTH,
    Proximity.SAME_HALL,
    Proximity.SAME_FAIR,
    Proximity.SAME_PARK,
    Proximity.SAME_COUNTY,
    Proximity.SAME_PROVINCE,
    Proximity.OTHER,
]
TIER_WEIGHT = np.array([1.0, 0.8, 0.6, 0.45, 0.3, 0.15, 0.0])
NEEDS_PER_BLOCK = 2000
WORD_SPLIT = re.compile(r"[\s\u200c،,.:;()]+")


# -- Loading ---------------------------------------------------------------


@dataclass
class Items:
    """Needs or products as the engine sees them, in one order."""

    ids: np.ndarray
    units: np.ndarray
    codes: list
    terms: list
    texts: list  # (name, description) as written, for the reasons' words

    def __len__(self):
        return len(self.ids)

    def take(self, positions):
        return Items(
            self.ids[positions],
            self.units[positions],
            [self.codes[p] for p in positions],
            [self.terms[p] for p in positions],
            [self.texts[p] for p in positions],
        )


def load_items(queryset):
    rows = queryset.order_by("pk").values_list(
        "pk", "exhibitor_id", "name", "description", "category__code"
    )
    ids, units, codes, found, texts = [], [], [], [], []
    for pk, unit, name, description, code in rows.iterator(chunk_size=5000):
        ids.append(pk)
        units.append(unit)
        codes.append(code or "")
        found.append(terms(name, description))
        texts.append((name, description))
    ids, units = np.array(ids, dtype=np.int64), np.array(units, dtype=np.int64)
    return Items(ids, units, codes, found, texts)


@dataclass
class Places:
    """Each unit's park, county and province (0 for none), by unit pk."""

    index: dict
    park: np.ndarray
    county: np.ndarray
    province: np.ndarray

    @classmethod
    def load(cls, units=None):
        rows = Exhibitor.objects.all()
        if units is not None:
            rows = rows.filter(pk__in=list(units))
        rows = rows.values_list("pk", "park_id", "county_id", "county__province_id")
        index, park, county, province = {}, [], [], []
        for i, (pk, park_id, county_id, province_id) in enumerate(rows):
            index[pk] = i
            park.append(park_id or 0)
            county.append(county_id or 0)
            province.append(province_id or 0)
        return cls(index, *(np.array(v, dtype=np.int64) for v in (park, county, province)))

    def positions(self, units):
        return np.array([self.index[u] for u in units.tolist()], dtype=np.int64)


@dataclass
class Context:
    """Where proximity is judged: at a fair (booths count), or nowhere in particular."""

    fair_id: object = None
    units: frozenset = frozenset()  # units approved at the fair
    hall: dict = None  # unit pk → hall pk, for units with a booth
    neighbour_keys: np.ndarray = None  # unit pairs a·2³² + b, both ways, sorted

    @classmethod
    def none(cls):
        return cls()

    @classmethod
    def of_fair(cls, fair):
        approved = Participation.objects.approved().filter(fair=fair)
        units = frozenset(approved.values_list("exhibitor_id", flat=True))
        hall = dict(
            approved.filter(booth__isnull=False).values_list("exhibitor_id", "booth__hall_id")
        )
        keys = [
            (unit << 32) + neighbour.exhibitor.pk
            for unit, neighbours in unit_neighbours(fair).items()
            for neighbour in neighbours
        ]
        return cls(fair.pk, units, hall, np.array(sorted(keys), dtype=np.int64))


def active_fairs():
    """Fairs whose booths still mean something: public and not yet over."""
    return Fair.objects.public().filter(ends_on__gte=timezone.localdate())


def contexts_of(unit_ids):
    """{unit pk: [fair pk, …]} of the active fairs each unit is approved at."""
    found = defaultdict(list)
    rows = Participation.objects.approved().filter(
        exhibitor__in=list(unit_ids), fair__in=active_fairs()
    )
    for unit, fair in rows.values_list("exhibitor_id", "fair_id"):
        found[unit].append(fair)
    return found


# -- Term rarity --------------------------------------------------------------


def idf(document_frequency, total):
    """The weight of a term used by ``document_frequency`` of ``total`` products."""
    return math.log((1 + total) / (1 + document_frequency)) + 1


class Rarity:
    """Term weights from counts: {term: products using it} and the product total."""

    def __init__(self, counts, total):
        self.counts, self.total = counts, total
        self.unseen = idf(0, total)

    def weight(self, term):
        return idf(self.counts.get(term, 0), self.total)

    @classmethod
    def of_products(cls, products):
        counts = Counter(term for found in products.terms for term in found)
        return cls(counts, len(products))

    @classmethod
    def from_table(cls, wanted):
        counts = dict(Term.objects.filter(term__in=list(wanted)).values_list("term", "products"))
        return cls(counts, Product.objects.count())


# -- Scoring -------------------------------------------------------------------


class ProductIndex:
    """Products as two sparse matrices: products × terms and products × category levels."""

    def __init__(self, products):
        self.products = products
        self.vocabulary = {}
        self.levels = {}
        rows, cols, values = [], [], []
        for i, found in enumerate(products.terms):
            for term, weight in found.items():
                rows.append(i)
                cols.append(self.vocabulary.setdefault(term, len(self.vocabulary)))
                values.append(weight)
        self.terms = sparse.csr_matrix(
            (values, (rows, cols)), shape=(len(products), max(1, len(self.vocabulary)))
        ).T.tocsr()
        rows, cols = [], []
        for i, code in enumerate(products.codes):
            for level in category_features(code):
                rows.append(i)
                cols.append(self.levels.setdefault(level, len(self.levels)))
        self.categories = sparse.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(len(products), max(1, len(self.levels)))
        ).T.tocsr()


@dataclass
class Scored:
    """The kept pairs, best first within each need: parallel arrays."""

    needs: np.ndarray  # need pks
    products: np.ndarray  # product pks
    need_pos: np.ndarray  # positions in the Items given
    product_pos: np.ndarray
    relevance: np.ndarray
    score: np.ndarray
    tier: np.ndarray

    def __len__(self):
        return len(self.needs)


def score(needs, index, rarity, places, context, top=TOP):
    """The best ``top`` products of ``index`` for each of ``needs`` in ``context``."""
    products = index.products
    rows, cols, values = [], [], []
    has_words = np.zeros(len(needs), dtype=bool)
    for i, found in enumerate(needs.terms):
        weights = {term: rarity.weight(term) * weight for term, weight in found.items()}
        total = sum(weights.values())
        if not total:
            continue
        has_words[i] = True
        for term, weight in weights.items():
            column = index.vocabulary.get(term)
            if column is not None:
                rows.append(i)
                cols.append(column)
                values.append(weight / total)
    words = sparse.csr_matrix((values, (rows, cols)), shape=(len(needs), index.terms.shape[0]))
    rows, cols, values = [], [], []
    for i, code in enumerate(needs.codes):
        for level in category_features(code):
            column = index.levels.get(level)
            if column is not None:
                rows.append(i)
                cols.append(column)
                values.append(LEVEL_WEIGHT[len(level)])
    categories = sparse.csr_matrix(
        (values, (rows, cols)), shape=(len(needs), index.categories.shape[0])
    )
    relevance = (
        WORD_WEIGHT * (words @ index.terms) + CATEGORY_WEIGHT * (categories @ index.categories)
    ).tocoo()
    need_pos, product_pos, rel = relevance.row, relevance.col, relevance.data
    keep = (
        (rel >= MIN_RELEVANCE - 1e-9)
        & has_words[need_pos]
        & (needs.units[need_pos] != products.units[product_pos])
    )
    need_pos, product_pos, rel = need_pos[keep], product_pos[keep], np.minimum(rel[keep], 1.0)
    tier = tiers(needs.units[need_pos], products.units[product_pos], places, context)
    total = RELEVANCE_WEIGHT * rel + PROXIMITY_WEIGHT * TIER_WEIGHT[tier]
    product_ids = products.ids[product_pos]
    order = np.lexsort((product_ids, -total, need_pos))
    need_pos, product_pos = need_pos[order], product_pos[order]
    rel, total, tier = rel[order], total[order], tier[order]
    # Rank within each need: position minus the position where the need starts.
    starts = np.r_[0, np.flatnonzero(np.diff(need_pos)) + 1]
    lengths = np.diff(np.r_[starts, len(need_pos)])
    rank = np.arange(len(need_pos)) - np.repeat(starts, lengths)
    best = rank < top
    need_pos, product_pos = need_pos[best], product_pos[best]
    return Scored(
        needs.ids[need_pos],
        products.ids[product_pos],
        need_pos,
        product_pos,
        np.round(rel[best], 4),
        np.round(np.minimum(total[best], 1.0), 4),
        tier[best],
    )


def tiers(need_units, product_units, places, context):
    """The closest proximity tier of each pair of units, as indexes into TIERS."""
    tier = np.full(len(need_units), TIERS.index(Proximity.OTHER), dtype=np.int64)
    if not len(tier):
        return tier
    a, b = places.positions(need_units), places.positions(product_units)
    # From the farthest to the closest: a closer tier overwrites.
    tier[places.province[a] == places.province[b]] = TIERS.index(Proximity.SAME_PROVINCE)
    tier[places.county[a] == places.county[b]] = TIERS.index(Proximity.SAME_COUNTY)
    tier[(places.park[a] == places.park[b]) & (places.park[a] > 0)] = TIERS.index(
        Proximity.SAME_PARK
    )
    if context.fair_id is None:
        return tier
    members = np.array(sorted(context.units), dtype=np.int64)
    at_fair = np.isin(need_units, members) & np.isin(product_units, members)
    tier[at_fair] = TIERS.index(Proximity.SAME_FAIR)
    hall_a = np.array([context.hall.get(u, -1) for u in need_units.tolist()], dtype=np.int64)
    hall_b = np.array([context.hall.get(u, -2) for u in product_units.tolist()], dtype=np.int64)
    tier[hall_a == hall_b] = TIERS.index(Proximity.SAME_HALL)
    keys = (need_units << 32) + product_units
    tier[np.isin(keys, context.neighbour_keys)] = TIERS.index(Proximity.NEIGHBOUR_BOOTH)
    return tier


def reasons(need_terms, need_code, product_terms, product_code, product_text=("", "")):
    """Why a product is relevant to a need: {"category": [level, code], "name": [...],
    "description": [...]}, the words as the product's text has them, for people to
    read (texts.relevance_reasons)."""
    found = {}
    shared = len(_common_prefix(need_code, product_code))
    if need_code[:2].isdigit() and shared >= 2:
        level = {2: "division", 3: "group", 4: "class"}[min(shared, 4)]
        found["category"] = [level, product_code[: min(shared, 4)]]
    in_name = [t for t in need_terms if product_terms.get(t) == NAME]
    in_description = [t for t in need_terms if product_terms.get(t) == DESCRIPTION]
    # A joined pair says nothing its words do not; show it only alone.
    singles = [t for t in in_name if not _is_join(t, in_name)]
    if singles:
        found["name"] = _as_written(singles, product_text[0])
    if in_description:
        words = [t for t in in_description if not _is_join(t, in_description)]
        found["description"] = _as_written(words, product_text[1])
    return found


def _as_written(found_terms, text):
    """The terms as the text spells them («آمیزه», not the folded «امیزه»)."""
    written = _spellings(text)
    return [written.get(term, term) for term in found_terms]


@functools.lru_cache(maxsize=100_000)
def _spellings(text):
    """{term: the word of the text it comes from}."""
    written = {}
    for word in WORD_SPLIT.split(text):
        for term in features.words(word):
            written.setdefault(term, word)
    return written


def _is_join(term, others):
    return any(term != o and term.startswith(o) and term[len(o) :] in others for o in others)


def _common_prefix(a, b):
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


# -- Writing -------------------------------------------------------------------


def _rows(scored, needs, products, fair_id):
    for k in range(len(scored)):
        i, j = scored.need_pos[k], scored.product_pos[k]
        yield (
            int(scored.needs[k]),
            int(scored.products[k]),
            fair_id,
            float(scored.relevance[k]),
            float(scored.score[k]),
            TIERS[scored.tier[k]].value,
            reasons(
                needs.terms[i],
                needs.codes[i],
                products.terms[j],
                products.codes[j],
                products.texts[j],
            ),
        )


def _write(rows):
    """Insert match rows; COPY on PostgreSQL (a full rematch writes a million)."""
    if connection.vendor == "postgresql":
        columns = "need_id, product_id, fair_id, relevance, score, proximity, reasons"
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY matching_match ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row((*row[:6], json.dumps(row[6], ensure_ascii=False)))
        return
    batch = []
    for need, product, fair, relevance, total, proximity, why in rows:
        batch.append(
            Match(
                need_id=need,
                product_id=product,
                fair_id=fair,
                relevance=relevance,
                score=total,
                proximity=proximity,
                reasons=why,
            )
        )
        if len(batch) >= 2000:
            Match.objects.bulk_create(batch)
            batch = []
    Match.objects.bulk_create(batch)


def _context_filter(fair_id):
    return Q(fair__isnull=True) if fair_id is None else Q(fair_id=fair_id)


# -- Full and partial recomputation --------------------------------------------


@transaction.atomic
def rematch(fair=None):
    """Recompute stored matches: all contexts, or one fair's. Returns {context: rows}.

    Without ``fair``: the term table, every need with no context, and the
    needs of units at every active fair in that fair's context.
    """
    products = load_items(Product.objects.all())
    rarity = Rarity.of_products(products)
    if fair is None:
        Term.objects.all().delete()
        Term.objects.bulk_create(
            (Term(term=t[:200], products=n) for t, n in rarity.counts.items()),
            batch_size=5000,
            ignore_conflicts=True,
        )
    index = ProductIndex(products)
    places = Places.load()
    contexts = [Context.of_fair(fair)] if fair else [Context.none()]
    if fair is None:
        contexts += [Context.of_fair(f) for f in active_fairs()]
    written = {}
    for context in contexts:
        needs = Need.objects.all()
        if context.fair_id is not None:
            needs = needs.filter(exhibitor__in=list(context.units))
        Match.objects.filter(_context_filter(context.fair_id)).delete()
        needs = load_items(needs)
        count = 0
        for start in range(0, len(needs), NEEDS_PER_BLOCK):
            block = needs.take(np.arange(start, min(start + NEEDS_PER_BLOCK, len(needs))))
            scored = score(block, index, rarity, places, context)
            _write(_rows(scored, block, products, context.fair_id))
            count += len(scored)
        written[context.fair_id] = count
    return written


def refresh_needs(need_ids):
    """Recompute the stored matches of these needs, in every context they have."""
    needs = load_items(Need.objects.filter(pk__in=list(need_ids)))
    if not len(needs):
        return 0
    products = load_items(_candidate_products(needs))
    rarity = Rarity.from_table({t for found in needs.terms for t in found})
    index = ProductIndex(products)
    places = Places.load(set(needs.units.tolist()) | set(products.units.tolist()))
    fairs = contexts_of(set(needs.units.tolist()))
    contexts = [(Context.none(), np.arange(len(needs)))]
    for fair in Fair.objects.filter(pk__in={f for fs in fairs.values() for f in fs}):
        at = [i for i, unit in enumerate(needs.units.tolist()) if fair.pk in fairs[unit]]
        contexts.append((Context.of_fair(fair), np.array(at, dtype=np.int64)))
    count = 0
    with transaction.atomic():
        for context, positions in contexts:
            block = needs.take(positions)
            Match.objects.filter(
                _context_filter(context.fair_id), need__in=block.ids.tolist()
            ).delete()
            scored = score(block, index, rarity, places, context)
            _write(_rows(scored, block, products, context.fair_id))
            count += len(scored)
    return count


def offer_products(product_ids, exclude_needs=()):
    """Put these products (new, or changed and withdrawn from their needs) among the
    stored matches of every need they now serve better than its weakest match.

    Also counts their terms in the term table.
    """
    products = load_items(Product.objects.filter(pk__in=list(product_ids)))
    if not len(products):
        return 0
    _count_terms(products)
    needs = load_items(_candidate_needs(products).exclude(pk__in=list(exclude_needs)))
    if not len(needs):
        return 0
    rarity = Rarity.from_table({t for found in needs.terms for t in found})
    index = ProductIndex(products)
    places = Places.load(set(needs.units.tolist()) | set(products.units.tolist()))
    fairs = contexts_of(set(needs.units.tolist()))
    contexts = [(Context.none(), np.arange(len(needs)))]
    for fair in Fair.objects.filter(pk__in={f for fs in fairs.values() for f in fs}):
        at = [i for i, unit in enumerate(needs.units.tolist()) if fair.pk in fairs[unit]]
        contexts.append((Context.of_fair(fair), np.array(at, dtype=np.int64)))
    added = 0
    with transaction.atomic():
        for context, positions in contexts:
            block = needs.take(positions)
            scored = score(block, index, rarity, places, context)
            if not len(scored):
                continue
            standing = {
                row["need"]: (row["n"], row["low"])
                for row in Match.objects.filter(
                    _context_filter(context.fair_id), need__in=set(scored.needs.tolist())
                )
                .values("need")
                .annotate(n=Count("pk"), low=Min("score"))
            }
            keep = np.array(
                [
                    standing.get(need, (0, 0))[0] < TOP or total > standing[need][1]
                    for need, total in zip(
                        scored.needs.tolist(), scored.score.tolist(), strict=True
                    )
                ],
                dtype=bool,
            )
            kept = Scored(*(getattr(scored, f)[keep] for f in Scored.__dataclass_fields__))
            _write(_rows(kept, block, products, context.fair_id))
            added += len(kept)
            _trim(set(kept.needs.tolist()), context.fair_id)
    return added


def _trim(need_ids, fair_id):
    """Keep the TOP best matches of each need in a context."""
    extra = []
    rows = (
        Match.objects.filter(_context_filter(fair_id), need__in=need_ids)
        .order_by("need", "-score", "product")
        .values_list("pk", "need")
    )
    seen = Counter()
    for pk, need in rows:
        seen[need] += 1
        if seen[need] > TOP:
            extra.append(pk)
    Match.objects.filter(pk__in=extra).delete()


def _count_terms(products):
    counts = Counter(t[:200] for found in products.terms for t in found)
    existing = set(Term.objects.filter(term__in=list(counts)).values_list("term", flat=True))
    Term.objects.bulk_create(
        [Term(term=t, products=0) for t in counts if t not in existing], ignore_conflicts=True
    )
    by_count = defaultdict(list)
    for term, n in counts.items():
        by_count[n].append(term)
    for n, names in by_count.items():
        Term.objects.filter(term__in=names).update(products=F("products") + n)


def _candidate_products(needs):
    """Products that share a term or an ISIC division with any of the needs."""
    return Product.objects.filter(_candidates(needs))


def _candidate_needs(products):
    return Need.objects.filter(_candidates(products))


def _candidates(items):
    query = Q(pk__in=[])
    for division in sorted({code[:2] for code in items.codes if code[:2].isdigit()}):
        query |= Q(category__code__startswith=division)
    for term in sorted({t for found in items.terms for t in found}):
        query |= Q(search_text__contains=term)
    return query
