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
import hashlib
import json
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from scipy import sparse

from exhibitors.models import Category, Exhibitor, Need, Product
from fairs.layout import unit_neighbours
from fairs.models import Booth, Fair, Participation

from . import features
from .features import DESCRIPTION, NAME, terms
from .models import Match, NeedTerm, Proximity, Term

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
# One encoder for the million reasons of a rematch (json.dumps with options
# builds a new one each call).
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
WORD_SPLIT = re.compile(r"[\s\u200c،,.:;()]+")


# -- Loading ---------------------------------------------------------------


@dataclass
class Items:
    """Needs or products as the engine sees them, in one order."""

    ids: np.ndarray
    units: np.ndarray
    codes: list
    terms: list
    texts: list  # (name, description) as written
    singles: list  # the words of name and description, no joined pairs: for reasons

    def __len__(self):
        return len(self.ids)

    @functools.cached_property
    def levels(self):
        """Each item's ISIC division, group and class as numbers (-1 for none): three arrays."""
        return [
            np.array(
                [int(c[:n]) if len(c) >= n and c[:n].isdigit() else -1 for c in self.codes],
                dtype=np.int64,
            )
            for n in (2, 3, 4)
        ]

    @property
    def divisions(self):
        return self.levels[0]

    def take(self, positions):
        return Items(
            self.ids[positions],
            self.units[positions],
            [self.codes[p] for p in positions],
            [self.terms[p] for p in positions],
            [self.texts[p] for p in positions],
            [self.singles[p] for p in positions],
        )


def load_items(queryset):
    rows = queryset.order_by("pk").values_list(
        "pk", "exhibitor_id", "name", "description", "category__code", "name_key"
    )
    ids, units, codes, found, texts, singles = [], [], [], [], [], []
    for pk, unit, name, description, code, name_key in rows.iterator(chunk_size=5000):
        ids.append(pk)
        units.append(unit)
        codes.append(code or "")
        # name_key is the name already normalized: the words come quicker from it.
        found.append(terms(name_key, description, normalized_name=True))
        texts.append((name, description))
        singles.append(
            list(
                dict.fromkeys(
                    features.words(name_key, normalized=True) + features.words(description)
                )
            )
        )
    ids, units = np.array(ids, dtype=np.int64), np.array(units, dtype=np.int64)
    return Items(ids, units, codes, found, texts, singles)


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

    @functools.cached_property
    def _lookup(self):
        lookup = np.full(max(self.index, default=0) + 1, -1, dtype=np.int64)
        lookup[list(self.index)] = list(self.index.values())
        return lookup

    def positions(self, units):
        return self._lookup[units]


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
        """The fair's context. The neighbour pairs are cached, keyed by the booths'
        geometry and holders as they are now: a moved booth or a new holder is a
        new key, so the cache is never stale."""
        rows = list(
            Participation.objects.approved()
            .filter(fair=fair)
            .values_list("exhibitor_id", "booth_id", "booth__hall_id")
        )
        units = frozenset(unit for unit, _booth, _hall in rows)
        hall = {unit: hall for unit, booth, hall in rows if booth}
        geometry = Booth.objects.filter(fair=fair).order_by("pk")
        layout = (
            settings.PORTAL_NEIGHBOUR_METRES,
            tuple(sorted((unit, booth) for unit, booth, _hall in rows if booth)),
            tuple(geometry.values_list("pk", "hall_id", "x", "y", "width", "height")),
        )
        key = f"matching:neighbours:{fair.pk}:{hashlib.sha256(repr(layout).encode()).hexdigest()}"
        keys = cache.get(key)
        if keys is None:
            keys = np.array(
                sorted(
                    (unit << 32) + neighbour.exhibitor.pk
                    for unit, neighbours in unit_neighbours(fair).items()
                    for neighbour in neighbours
                ),
                dtype=np.int64,
            )
            cache.set(key, keys, 24 * 3600)
        return cls(fair.pk, units, hall, keys)


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
    # At least 1, the weight of a term every product has, even if the counts
    # drifted above the total between full rematches.
    return max(1.0, math.log((1 + total) / (1 + document_frequency)) + 1)


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
    """Products as sparse matrices: terms × products, (term, division) × products,
    and ISIC groups × products."""

    def __init__(self, products):
        self.products = products
        self.vocabulary, self.division_vocabulary, self.levels = {}, {}, {}
        rows, cols, values, division_cols = [], [], [], []
        for i, found in enumerate(products.terms):
            division = products.divisions[i]
            for term, weight in found.items():
                rows.append(i)
                cols.append(self.vocabulary.setdefault(term, len(self.vocabulary)))
                values.append(weight)
                division_cols.append(
                    self.division_vocabulary.setdefault(
                        (term, division), len(self.division_vocabulary)
                    )
                )
        n = len(products)
        self.terms = sparse.csr_matrix(
            (values, (rows, cols)), shape=(n, max(1, len(self.vocabulary)))
        ).T.tocsr()
        self.division_terms = sparse.csr_matrix(
            (np.ones(len(rows)), (rows, division_cols)),
            shape=(n, max(1, len(self.division_vocabulary))),
        ).T.tocsr()
        rows, cols = [], []
        for i, code in enumerate(products.codes):
            if len(code) >= 3 and code[:3].isdigit():
                rows.append(i)
                cols.append(self.levels.setdefault(code[:3], len(self.levels)))
        self.categories = sparse.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(n, max(1, len(self.levels)))
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
    """The best ``top`` products of ``index`` for each of ``needs`` in ``context``.

    The candidates and their exact relevance come from _relevance; then the
    pairs of one unit, the needs without a meaningful word and the pairs
    under MIN_RELEVANCE go, proximity is added, and each need keeps its best.
    """
    products = index.products
    weights = _term_weights(needs, rarity)
    has_words = np.array([bool(w) for w in weights], dtype=bool)
    floor = np.full(len(needs), MIN_RELEVANCE)
    need_pos, product_pos, rel = _relevance(needs, index, weights, floor)
    keep = rel >= floor[need_pos] - 1e-9
    need_pos, product_pos, rel = need_pos[keep], product_pos[keep], rel[keep]
    keep = has_words[need_pos] & (needs.units[need_pos] != products.units[product_pos])
    need_pos, product_pos, rel = need_pos[keep], product_pos[keep], np.minimum(rel[keep], 1.0)
    tier = tiers(needs.units[need_pos], products.units[product_pos], places, context)
    total = RELEVANCE_WEIGHT * rel + PROXIMITY_WEIGHT * TIER_WEIGHT[tier]
    product_ids = products.ids[product_pos]
    order = np.lexsort((product_ids, -total, need_pos))
    need_pos, product_pos = need_pos[order], product_pos[order]
    rel, total, tier = rel[order], total[order], tier[order]
    best = _ranks(need_pos) < top
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


def _ranks(sorted_groups):
    """Each position's rank within its run of equal values (0 first)."""
    if not len(sorted_groups):
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    lengths = np.diff(np.r_[starts, len(sorted_groups)])
    return np.arange(len(sorted_groups)) - np.repeat(starts, lengths)


def _term_weights(needs, rarity):
    """Per need: [(weight, term), …] lightest first, weights summing to 1 (or [])."""
    result = []
    for found in needs.terms:
        weights = sorted((rarity.weight(term) * weight, term) for term, weight in found.items())
        total = sum(weight for weight, _term in weights)
        result.append([(weight / total, term) for weight, term in weights] if total else [])
    return result


def _relevance(needs, index, weights, floor):
    """(need positions, product positions, relevance) of every pair that may reach
    the need's ``floor`` (a superset), with its exact relevance.

    A pair in different ISIC divisions needs a word score of floor /
    WORD_WEIGHT, so it must share one of the need's terms outside the
    longest run of its lightest terms whose weights add up to less than
    that; a pair in one division needs less (the division's share counts),
    so a longer run of light terms is allowed, but only against products of
    that division (terms keyed by division in ProductIndex). The candidates
    are the pairs found so, and those sharing an ISIC group; their exact
    relevance is then added up term by term over the candidates only.
    """
    any_rows, any_cols, division_rows, division_cols = [], [], [], []
    for i, terms_of_need in enumerate(weights):
        division = needs.divisions[i]
        anywhere, in_division = heavy_terms(terms_of_need, floor[i], division >= 0)
        for term in anywhere:
            column = index.vocabulary.get(term)
            if column is not None:
                any_rows.append(i)
                any_cols.append(column)
        for term in in_division:
            column = index.division_vocabulary.get((term, division))
            if column is not None:
                division_rows.append(i)
                division_cols.append(column)
    rows, cols = [], []
    for i, code in enumerate(needs.codes):
        if len(code) >= 3 and code[:3] in index.levels:
            rows.append(i)
            cols.append(index.levels[code[:3]])
    candidates = (
        _pattern(any_rows, any_cols, (len(needs), index.terms.shape[0])) @ index.terms
        + _pattern(division_rows, division_cols, (len(needs), index.division_terms.shape[0]))
        @ index.division_terms
        + _pattern(rows, cols, (len(needs), index.categories.shape[0])) @ index.categories
    ).tocsr()
    candidates.sum_duplicates()
    candidates.data[:] = 0.0
    _add_words(candidates, weights, index)
    pairs = candidates.tocoo()
    pairs.data += _category_shares(needs, index.products, pairs.row, pairs.col)
    return pairs.row, pairs.col, pairs.data


def heavy_terms(terms_of_need, floor, has_division):
    """(terms a product of any division must share, terms a product of the need's
    division must share) for a pair to reach relevance ``floor``: the need's terms
    outside the longest run of its lightest whose weights add up to less than the
    word score the pair needs. See _relevance."""
    apart = floor / WORD_WEIGHT - 1e-9
    together = (floor - CATEGORY_WEIGHT * LEVEL_WEIGHT[2]) / WORD_WEIGHT - 1e-9
    anywhere, in_division = [], []
    running = 0.0
    for weight, term in terms_of_need:
        if running + weight >= apart:
            anywhere.append(term)
        elif running + weight >= together and has_division:
            in_division.append(term)
        running += weight
    return anywhere, in_division


def _pattern(rows, cols, shape):
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)


def _category_shares(needs, products, need_pos, product_pos):
    """CATEGORY_WEIGHT × (0.4 same division, + 0.3 same group, + 0.3 same class).

    ``need_pos`` comes sorted (the candidates' rows), so the needs' codes are
    repeated rather than gathered."""
    starts = np.r_[0, np.flatnonzero(np.diff(need_pos)) + 1] if len(need_pos) else need_pos
    lengths = np.diff(np.r_[starts, len(need_pos)])
    rows = need_pos[starts]
    share = np.zeros(len(need_pos))
    for level, (need_codes, product_codes) in enumerate(
        zip(needs.levels, products.levels, strict=True)
    ):
        mine = np.repeat(need_codes[rows], lengths)
        same = (mine >= 0) & (mine == product_codes[product_pos])
        share[same] += CATEGORY_WEIGHT * LEVEL_WEIGHT[level + 2]
    return share


def _add_words(candidates, weights, index):
    """Add to each candidate pair WORD_WEIGHT × the weight of every need term the
    product has (1 in its name, DESCRIPTION in its description)."""
    by_term = defaultdict(list)
    for i, terms_of_need in enumerate(weights):
        for weight, term in terms_of_need:
            column = index.vocabulary.get(term)
            if column is not None:
                by_term[column].append((i, WORD_WEIGHT * weight))
    indptr, indices, data = candidates.indptr, candidates.indices, candidates.data
    dense = np.zeros(index.terms.shape[1])
    for column, entries in by_term.items():
        start, end = index.terms.indptr[column], index.terms.indptr[column + 1]
        postings, present = index.terms.indices[start:end], index.terms.data[start:end]
        need_rows = np.fromiter((i for i, _w in entries), dtype=np.int64, count=len(entries))
        term_weights = np.fromiter((w for _i, w in entries), dtype=np.float64, count=len(entries))
        firsts, lengths = indptr[need_rows], indptr[need_rows + 1] - indptr[need_rows]
        if not lengths.sum():
            continue
        # The positions of these needs' candidates in data, as one array.
        offsets = np.repeat(firsts - np.cumsum(np.r_[0, lengths[:-1]]), lengths)
        positions = np.arange(lengths.sum()) + offsets
        dense[postings] = present
        data[positions] += np.repeat(term_weights, lengths) * dense[indices[positions]]
        dense[postings] = 0


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


LEVELS = ("division", "group", "class")


def reasons(singles, level, code, product_terms):
    """Why a product is relevant to a need: {"category": [level, code], "name": [...],
    "description": [...]}. The words are the need's (folded) words the product has
    in its name or only in its description; written_as() spells them as the
    product does, for people to read (reading.reason_texts)."""
    found = {}
    if level >= 0:
        found["category"] = [LEVELS[level], code]
    in_name, in_description = [], []
    for term in singles:
        weight = product_terms.get(term)
        if weight == NAME:
            in_name.append(term)
        elif weight == DESCRIPTION:
            in_description.append(term)
    if in_name:
        found["name"] = in_name
    if in_description:
        found["description"] = in_description
    return found


def written_as(found_terms, text):
    """The terms as the text spells them («آمیزه», not the folded «امیزه»)."""
    return _as_written(found_terms, text)


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


# -- Writing -------------------------------------------------------------------


def _rows(scored, needs, products, fair_id):
    # The category level each pair shares, worked out for all rows at once.
    level = np.full(len(scored), -1)
    for n, (need_codes, product_codes) in enumerate(
        zip(needs.levels, products.levels, strict=True)
    ):
        a = need_codes[scored.need_pos]
        level[(a >= 0) & (a == product_codes[scored.product_pos])] = n
    tiers = [TIERS[t].value for t in scored.tier.tolist()]
    for k, (i, j) in enumerate(
        zip(scored.need_pos.tolist(), scored.product_pos.tolist(), strict=True)
    ):
        shared = level[k]
        yield (
            int(scored.needs[k]),
            int(scored.products[k]),
            fair_id,
            float(scored.relevance[k]),
            float(scored.score[k]),
            tiers[k],
            reasons(
                needs.singles[i],
                shared,
                products.codes[j][: shared + 2] if shared >= 0 else "",
                products.terms[j],
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
                copy.write_row((*row[:6], _JSON(row[6])))
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
    if connection.vendor == "postgresql":
        # Matches can always be computed again: the commit need not wait for
        # the disk (a crash at that moment loses this run, not older data).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
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
        if context.fair_id is None:
            NeedTerm.objects.all().delete()
            _write_need_terms(needs, rarity)
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
    rarity = Rarity.from_table({t for found in needs.terms for t in found})
    weights = _term_weights(needs, rarity)
    products = load_items(_candidate_products(needs, weights))
    index = ProductIndex(products)
    places = Places.load(set(needs.units.tolist()) | set(products.units.tolist()))
    contexts = _contexts(needs)
    count = 0
    with transaction.atomic():
        NeedTerm.objects.filter(need__in=needs.ids.tolist()).delete()
        _write_need_terms(needs, rarity)
        # Every context, also fairs the unit left or that are over: they are recomputed
        # (active ones here, others when match_report asks for them).
        Match.objects.filter(need__in=needs.ids.tolist()).delete()
        for context, positions in contexts:
            block = needs.take(positions)
            scored = score(block, index, rarity, places, context)
            _write(_rows(scored, block, products, context.fair_id))
            count += len(scored)
    return count


def _contexts(needs):
    """[(Context, positions of the needs it applies to)]: no fair for all needs,
    and each active fair for the needs of units approved at it."""
    fairs = contexts_of(set(needs.units.tolist()))
    contexts = [(Context.none(), np.arange(len(needs)))]
    for fair in Fair.objects.filter(pk__in={f for fs in fairs.values() for f in fs}):
        at = [i for i, unit in enumerate(needs.units.tolist()) if fair.pk in fairs[unit]]
        contexts.append((Context.of_fair(fair), np.array(at, dtype=np.int64)))
    return contexts


def offer_products(product_ids, exclude_needs=(), created=False):
    """Put these products (new, or changed and withdrawn from their needs) among the
    stored matches of every need they now serve better than its weakest match.

    ``created``: the products are new, and their terms are counted in the term
    table (an edited product's are not counted again).
    """
    products = load_items(Product.objects.filter(pk__in=list(product_ids)))
    if not len(products):
        return 0
    if created:
        _count_terms(products)
    needs = load_items(_candidate_needs(products).exclude(pk__in=list(exclude_needs)))
    if not len(needs):
        return 0
    rarity = Rarity.from_table({t for found in needs.terms for t in found})
    index = ProductIndex(products)
    places = Places.load(set(needs.units.tolist()) | set(products.units.tolist()))
    contexts = _contexts(needs)
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


def _candidate_products(needs, weights):
    """Products that may reach MIN_RELEVANCE for any of the needs (a superset): those
    in a need's ISIC group, and those whose text holds one of its heavy terms (for
    the division's heavy terms, in its division); see heavy_terms.

    Categories are turned into ids first, so that every condition is on the
    product table and PostgreSQL can combine its indexes."""
    groups, anywhere, by_division = set(), set(), defaultdict(set)
    for i, terms_of_need in enumerate(weights):
        code = needs.codes[i]
        if len(code) >= 3 and code[:3].isdigit():
            groups.add(code[:3])
        division = code[:2] if code[:2].isdigit() else ""
        found, in_division = heavy_terms(terms_of_need, MIN_RELEVANCE, bool(division))
        anywhere.update(found)
        if in_division:
            by_division[division].update(in_division)
    query = Q(category_id__in=_category_ids(groups)) if groups else Q(pk__in=[])
    query |= _containing(Product, anywhere)
    for division, found in sorted(by_division.items()):
        in_division = Product.objects.filter(category_id__in=_category_ids([division]))
        query |= Q(pk__in=in_division.filter(_containing(Product, found - anywhere)).values("pk"))
    return Product.objects.filter(query)


def _containing(model, found, per_query=200):
    """Rows whose search text holds one of the terms. A few hundred terms to a
    subquery: SQLite refuses an expression deeper than 1,000."""
    found = sorted(found)
    if len(found) <= per_query:
        query = Q(pk__in=[])
        for term in found:
            query |= Q(search_text__contains=term)
        return query
    query = Q(pk__in=[])
    for start in range(0, len(found), per_query):
        chunk = _containing(model, found[start : start + per_query], per_query)
        query |= Q(pk__in=model.objects.filter(chunk).values("pk"))
    return query


def _category_ids(prefixes):
    query = Q(pk__in=[])
    for prefix in prefixes:
        query |= Q(code__startswith=prefix)
    return list(Category.objects.filter(query).values_list("pk", flat=True))


def _candidate_needs(products):
    """Needs the products may reach (a superset): those with one of the products'
    terms among their heavy terms (NeedTerm), for the division's heavy terms
    only in that division, and those of the same ISIC group."""
    found = {t[:200] for terms_of in products.terms for t in terms_of}
    divisions = {code[:2] for code in products.codes if code[:2].isdigit()}
    groups = {code[:3] for code in products.codes if len(code) >= 3 and code[:3].isdigit()}
    indexed = NeedTerm.objects.filter(term__in=sorted(found)).filter(
        Q(division="") | Q(division__in=sorted(divisions))
    )
    query = Q(pk__in=indexed.values("need_id"))
    if groups:
        query |= Q(category_id__in=_category_ids(groups))
    return Need.objects.filter(query)


def _write_need_terms(needs, rarity):
    """Index each need by the terms a product must have to reach it."""
    rows = []
    for i, terms_of_need in enumerate(_term_weights(needs, rarity)):
        division = needs.codes[i][:2] if needs.codes[i][:2].isdigit() else ""
        anywhere, in_division = heavy_terms(terms_of_need, MIN_RELEVANCE, bool(division))
        need = int(needs.ids[i])
        rows += [(need, t[:200], "") for t in anywhere]
        rows += [(need, t[:200], division) for t in in_division]
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                "COPY matching_needterm (need_id, term, division) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    NeedTerm.objects.bulk_create(
        [NeedTerm(need_id=n, term=t, division=d) for n, t, d in rows], batch_size=5000
    )
