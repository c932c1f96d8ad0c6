"""How well a product serves a need, and how near its maker is: the score.

docs/matching.md has the reasoning and the figures. In short, for a need
of unit A and a product of unit B:

- **Words** W in [0, 1]: the need's terms (features.need_text) weighed by
  rarity among products, the head of the need's name holding HEAD_SHARE of
  the weight; each found in the product's name counts in full, in its
  description DESCRIPTION; a related word of the lexicon RELATED of the
  words it stands for (only in the divisions its row names).
- **The head**: a product that lacks the need's head keeps HEADLESS of its
  relevance; one that has it only as a modifier of another thing («چسب
  کارتن» for «کارتن») keeps HEAD_AS_MODIFIER of its words.
- **Category** C in [0, 1]: 0.4 for the same ISIC division, 0.7 for the
  same group, 1 for the same class — counted only with a word in common:
  sharing a category is not serving a need.
- **Relevance** R = 0.65 W + 0.35 C, times OWN_KIND when the product is of
  the buyer's own kind of output, not its input (its class, and the head of
  one of its products where it lists any). A pair needs R ≥ MIN_RELEVANCE.
- **Score** = 0.85 R + 0.15 P, P the proximity tier's weight.

Candidates come from indexes, never from every product for every need (see
_candidates); the pruning is exact (test_scoring).
"""

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from . import features
from .index import SCOPES, Context
from .models import Proximity

TOP = 10
# Relevance is kept to four places (_kept): a bound, unrounded, may be this much
# under a pair's rounded relevance, and still must not drop it.
ROUNDING = 1e-4
# The narrow candidates of a need (narrow_candidates) leave out no product that
# could reach more than this much relevance.
NARROW_BOUND = 0.55
MIN_RELEVANCE = 0.3
# A need with nothing at MIN_RELEVANCE keeps its best WEAK_TOP pairs from FLOOR
# that have one of its modifiers in their name (_kept): "may be worth a look",
# never beside a match.
FLOOR = 0.2
WEAK_TOP = 1
# A match is kept only within this much relevance of the need's best.
CLOSE_TO_BEST = 0.1
WORD_WEIGHT, CATEGORY_WEIGHT = 0.65, 0.35
LEVEL_SHARE = {2: 0.4, 3: 0.7, 4: 1.0}
HEAD_SHARE = 0.5
# The head's share when the need names no kind of it (only a generic word or
# joined pairs besides it).
HEAD_ALONE = 0.85
HEADLESS = 0.4
HEAD_AS_MODIFIER = 0.6
SIBLING = 0.4
OWN_KIND = 0.5
OWN_CLASS = 0.8
OTHER_SIZE = 0.8
RELEVANCE_WEIGHT, PROXIMITY_WEIGHT = 0.85, 0.15
# A related term's divisions when its lexicon row names none (exact terms: None).
EVERYWHERE = "*"
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
_NO_CONTEXT = Context.none()


@dataclass
class Weighed:
    """One need's terms as scored.

    ``others``: [(weight, term, divisions)] of the terms besides the head, their
    exact weights summing to 1 − ``head_share``; related terms come on top,
    with the divisions where they hold (EVERYWHERE, or a set; exact: None).
    ``heads``: [(factor, term, divisions)] of the terms that find the head (its
    word, its word joined with the next, a related word at RELATED): the head
    is worth ``head_share`` × the best of them the product has. ``entries``:
    all of them with their most, lightest first: what pruning and
    explanations read.
    """

    others: list
    heads: list = ()
    head_share: float = 0.0
    modifiers: tuple = ()
    kinds: int = 0  # features.NeedText.kinds

    def __bool__(self):
        return bool(self.others or self.heads)

    @property
    def head(self):
        return tuple(t for _f, t, _d in self.heads)

    @property
    def entries(self):
        found = [(self.head_share * f, t, d) for f, t, d in self.heads] + list(self.others)
        return sorted(found, key=lambda e: (e[0], e[1]))


def need_weights(needs, rarity):
    """Per need, its Weighed terms (empty for a need without a meaningful word)."""
    result = []
    for text in needs.features:
        raw = {term: rarity.weight(term) * w for term, w in text.terms.items()}
        heads = [t for t in text.head if t in raw]
        others = {t: w for t, w in raw.items() if t not in heads}
        if not heads:
            share = 0.0
        elif set(text.modifiers) & set(others):
            share = HEAD_SHARE
        elif others:
            share = HEAD_ALONE  # only generic words or joined pairs besides the head
        else:
            share = 1.0
        mass = sum(others.values())
        exact = {t: w * (1 - share) / mass for t, w in others.items()} if mass else {}
        weighed = [(w, t, None) for t, w in exact.items()]
        head_entries = [(1.0, t, None) for t in heads]
        for term, covered, divisions, _phrase in text.related:
            if term in text.head:
                head_entries.append((features.RELATED, term, divisions or EVERYWHERE))
                continue
            weight = features.RELATED * sum(exact.get(t, 0) for t in covered)
            if weight:
                weighed.append((weight, term, divisions or EVERYWHERE))
        if not heads:
            head_entries = []
        kinds = text.kinds if text.kinds >= 0 else features.kinds_named(text.modifiers)
        result.append(Weighed(weighed, head_entries, share, tuple(text.modifiers), kinds))
    return Weights(result)


class Weights(list):
    """need_weights: a Weighed per need, and what scoring works out of them once
    for every round that asks (_memo)."""

    def __init__(self, found=()):
        super().__init__(found)
        self.memo = {}


def _memo(weights, name, index, make):
    """make(), once per ``weights`` (a Weights) and index."""
    memo = getattr(weights, "memo", None)
    if memo is None:
        return make()
    key = (name, index)
    if key not in memo:
        memo[key] = make()
    return memo[key]


def heavy_terms(weighed, floor):
    """{scope: terms}: for each category level a pair may share (SCOPES: none,
    division, group, class), the terms of which it must share one to reach
    ``floor``.

    When even a product with every other term and the same class stays under
    the floor without the head (HEADLESS), the head's terms are those terms,
    at any level. Otherwise they are the terms outside the longest run of the
    need's lightest terms whose weights add up to less than the word score
    that level still needs; at the class level that is every term (a word in
    common is always needed)."""
    if weighed.heads:
        others = min(1.0, sum(w for w, _t, _d in weighed.others))
        if HEADLESS * (WORD_WEIGHT * others + CATEGORY_WEIGHT) < floor - ROUNDING:
            return {0: list(weighed.head), **{n: [] for n in SCOPES[1:]}}
    needed = {
        n: (floor - CATEGORY_WEIGHT * LEVEL_SHARE.get(n, 0)) / WORD_WEIGHT - ROUNDING
        for n in SCOPES
    }
    found = {n: [] for n in SCOPES}
    running = 0.0
    for weight, term, _divisions in weighed.entries:
        for n in SCOPES:
            if running + weight >= needed[n]:
                found[n].append(term)
                break  # a term heavy at one level is heavy at every closer one
        running += weight
    return found


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

    def where(self, keep):
        return Scored(*(getattr(self, f)[keep] for f in Scored.__dataclass_fields__))


def score(needs, index, rarity, places, context, top=TOP, excluded=None, weights=None):
    """The best ``top`` products of ``index`` for each of ``needs`` in ``context``.

    ``excluded``: sorted need·2³² + product keys never to keep (dismissed
    pairs); ``weights``: need_weights(needs, rarity), if the caller has them.
    The pairs of one unit, those under MIN_RELEVANCE, those more than
    CLOSE_TO_BEST under the need's best relevance and the excluded go,
    proximity is added, and each need keeps its best.

    Exactly, and in as few pairs as can be: first the narrow candidates
    (narrow_candidates); a need whose best there leaves nothing outside them
    in reach is done. The others go the whole way (_kept_widely).
    """
    if weights is None:
        weights = need_weights(needs, rarity)
    parts = []
    kept, pending = _kept_narrowly(needs, index, weights, places, context, excluded)
    parts.append(kept)
    if pending.any():
        parts.append(_kept_widely(needs, index, weights, places, context, top, excluded, pending))
    if not parts:
        return _select(needs, index.products, _nothing(), top)
    return _select(
        needs, index.products, tuple(np.concatenate(a) for a in zip(*parts, strict=True)), top
    )


def _kept_narrowly(needs, index, weights, places, context, excluded):
    """(the kept pairs of the needs done from their narrow candidates, a mask of
    the needs that are not): first with their heaviest modifiers, then, for
    those that leaves open, with all of them."""
    kept, pending = _kept_narrowly_with(needs, index, weights, places, context, excluded)
    if not pending.any():
        return kept, pending
    more, still = _kept_narrowly_with(
        needs, index, weights, places, context, excluded, every_modifier=True, wanted=pending
    )
    return tuple(np.r_[a, b] for a, b in zip(kept, more, strict=True)), pending & still


def _kept_narrowly_with(needs, index, weights, places, context, excluded, **lookup):
    if index.narrow is None:
        return _nothing(), np.ones(len(needs), dtype=bool)
    # The products with the head and a heaviest modifier first: their best tells
    # how much of the head's category is still worth a look (same_category).
    found, bound = narrow_candidates(needs, index, weights, same_division=False, **lookup)
    job = (needs, index, weights, places, context, excluded)
    kept = _kept(found, *_modifiers_found(found, weights, index), *job) if found.nnz else _nothing()
    best = np.zeros(len(needs))
    np.maximum.at(best, kept[0], kept[2])
    more, bound = same_category(needs, index, weights, best, bound, **lookup)
    more = _subset(more, ~_among(more, found))
    if more.nnz:
        found = more
        more = _kept(more, *_modifiers_found(more, weights, index), *job, best=best)
        kept = tuple(np.r_[a, b] for a, b in zip(kept, more, strict=True))
    elif not found.nnz:
        return _nothing(), ~(bound + ROUNDING < FLOOR)
    done = _settled(len(needs), kept, bound)
    return tuple(a[done[kept[0]]] for a in kept), ~done


def _settled(count, kept, bound):
    """A mask of the needs whose kept pairs leave nothing outside in reach: their
    best relevance, less CLOSE_TO_BEST, is above ``bound``."""
    best = np.zeros(count)
    np.maximum.at(best, kept[0], kept[2])
    return lowest_kept(best) > bound + ROUNDING


def lowest_kept(best):
    """The least relevance a pair can be kept at, for needs whose best is ``best``:
    CLOSE_TO_BEST under it, and at least MIN_RELEVANCE beside a match (FLOOR
    for a need with none)."""
    return np.where(
        best >= MIN_RELEVANCE - 1e-9,
        np.maximum(MIN_RELEVANCE, best - CLOSE_TO_BEST),
        np.maximum(FLOOR, best - CLOSE_TO_BEST),
    )


def narrowly_done(needs, index, rarity, places, excluded=None):
    """A mask of the needs that their narrow candidates settle, ``index`` holding
    (a superset of) those of each need with all its modifiers: in every context
    alike, since relevance does not depend on it."""
    weights = need_weights(needs, rarity)
    every = np.ones(len(needs), dtype=bool)
    kept = _kept_widely(needs, index, weights, places, _NO_CONTEXT, TOP, excluded, every)
    bound = np.array([_narrow_bound(w, every_modifier=True) for w in weights])
    return _settled(len(needs), kept, bound)


def _nothing():
    empty = np.zeros(0, dtype=np.int64)
    return empty, empty, np.zeros(0), np.zeros(0), empty


def same_category(needs, index, weights, best, bound, every_modifier=False, wanted=None):
    """(candidates, bound): the rest of narrow_candidates(same_division=False), for
    needs whose best so far is ``best``: the products with the head that share
    the need's category at the coarsest level where one without its heaviest
    modifiers could still be kept (lowest_kept) — its division, its group, its
    class, or none; and ``bound`` raised to the most relevance a product left
    out (sharing a coarser level only) can have."""
    bound = bound.copy()
    lowest = lowest_kept(best)
    coarser = {2: 0.0, 3: LEVEL_SHARE[2], 4: LEVEL_SHARE[3], None: LEVEL_SHARE[4]}
    rows, cols = [], []
    for i, weighed, _chosen, rest in _looked_up_narrowly(weights, every_modifier, wanted):
        level = next(
            (
                n
                for n in SCOPES[1:]
                if WORD_WEIGHT * rest + CATEGORY_WEIGHT * LEVEL_SHARE[n] >= lowest[i] - ROUNDING
            ),
            None,
        )
        bound[i] = max(bound[i], WORD_WEIGHT * rest + CATEGORY_WEIGHT * coarser[level])
        if level is None:
            continue
        codes = _division_codes(needs, i) if level == 2 else [needs.codes[i]]
        for head in weighed.head:
            for code in codes:
                row = index.scoped_row(level, head, code)
                if row is not None:
                    rows.append(i)
                    cols.append(index.offsets[level] + row)
    pattern = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(needs), index.keyed.shape[0])
    )
    found = (pattern @ index.keyed).tocsr()
    found.sum_duplicates()
    found.sort_indices()
    return found, bound


def _division_codes(needs, i):
    """The division codes need i shares a division by: its code's, or without a
    category, its read_in divisions (_category_shares)."""
    if needs.levels[0][i] >= 0:
        return [needs.codes[i]]
    return [f"{d:02d}" for d in sorted(needs.read_in[i])]


def _looked_up_narrowly(weights, every_modifier, wanted):
    """(position, Weighed, heaviest modifiers, the most word score without them) of
    each need that has a head and names its kind, among the ``wanted``."""
    for i, weighed in enumerate(weights):
        if not weighed.heads or not weighed.modifiers:
            continue
        if wanted is not None and not wanted[i]:
            continue
        chosen, rest = _heaviest_modifiers(weighed, 0.0 if every_modifier else NARROW_BOUND)
        yield i, weighed, chosen, rest


def _among(found, other):
    """A mask over the pairs of ``found`` (CSR, sorted indices): those in ``other``."""
    if not other.nnz or not found.nnz:
        return np.zeros(found.nnz, dtype=bool)
    width = np.int64(found.shape[1])

    def keys(matrix):
        rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
        return rows * width + matrix.indices

    known, wanted = keys(other), keys(found)
    at = np.minimum(np.searchsorted(known, wanted), len(known) - 1)
    return known[at] == wanted


def narrow_candidates(needs, index, weights, every_modifier=False, wanted=None, same_division=True):
    """(candidates, bound): for each need that has a head and names its kind
    (modifiers), the products that have the head and one of its heaviest
    modifiers, or the head and the need's ISIC division (needs × products, CSR,
    from the narrow index: pairs of terms); and per need the most relevance a
    product outside them can have (1 for a need not looked up this way).

    Outside are products without the head (HEADLESS of the rest), and products
    with the head, none of those modifiers and no category in common: words
    only, less those modifiers'. The heaviest modifiers are as few as bring
    that under NARROW_BOUND (``every_modifier``: all of them). ``wanted``: a
    mask of the needs to look up. Without ``same_division``, the products with
    the head and the need's division are left to same_category, and ``bound``
    does not count them.
    """
    bound = np.ones(len(needs))
    vocabulary = index.vocabulary
    size = np.int64(max(1, len(vocabulary)))
    pair_needs, pair_keys, rows, cols = [], [], [], []
    for i, weighed, chosen, _rest in _looked_up_narrowly(weights, every_modifier, wanted):
        bound[i] = _narrow_bound(weighed, every_modifier)
        heads = [t for t in weighed.head if t in vocabulary]
        modifiers = [vocabulary[t] for t in chosen if t in vocabulary]
        for head in heads:
            a = vocabulary[head]
            for b in modifiers:
                if a == b:
                    continue  # the head joined with a modifier: found by the head
                pair_needs.append(i)
                pair_keys.append(min(a, b) * size + max(a, b))
            rows.append(i)
            cols.append(index.narrow_offsets["wide"] + a)
            if same_division:
                for code in _division_codes(needs, i):
                    column = index.scoped_row(2, head, code)
                    if column is not None:
                        rows.append(i)
                        cols.append(index.narrow_offsets["division"] + column)
    if pair_keys:
        keys = np.array(pair_keys, dtype=np.int64)
        at = np.minimum(np.searchsorted(index.pair_keys, keys), len(index.pair_keys) - 1)
        known = index.pair_keys[at] == keys if len(index.pair_keys) else np.zeros(0, dtype=bool)
        rows += np.array(pair_needs, dtype=np.int64)[known].tolist()
        cols += (index.narrow_offsets["pair"] + at[known]).tolist()
    pattern = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(needs), index.narrow.shape[0])
    )
    pattern.sum_duplicates()
    found = (pattern @ index.narrow).tocsr()
    found.sum_duplicates()
    found.sort_indices()
    return found, bound


def _narrow_bound(weighed, every_modifier=False):
    """The most relevance a product outside the need's narrow candidates can have
    (1 for a need without a head or without modifiers)."""
    if not weighed.heads or not weighed.modifiers:
        return 1.0
    _chosen, rest = _heaviest_modifiers(weighed, 0.0 if every_modifier else NARROW_BOUND)
    others = min(1.0, sum(w for w, _t, _d in weighed.others))
    return max(HEADLESS * (WORD_WEIGHT * others + CATEGORY_WEIGHT), WORD_WEIGHT * rest)


def _heaviest_modifiers(weighed, bound=NARROW_BOUND):
    """(the need's heaviest modifiers, the most word score of a product with the
    head and none of them): as few as bring its relevance under ``bound``, or all."""
    modifiers = set(weighed.modifiers)
    weight = defaultdict(float)
    for w, t, _d in weighed.others:
        weight[t] += w
    ranked = sorted(modifiers, key=lambda t: (-weight[t], t))
    rest = weighed.head_share + sum(weight.values())
    chosen = []
    for term in ranked:
        if WORD_WEIGHT * min(1.0, rest) <= bound:
            break
        chosen.append(term)
        rest -= weight[term]
    return chosen, min(1.0, rest)


def _kept_widely(needs, index, weights, places, context, top, excluded, wanted):
    """The kept pairs (_kept) of the ``wanted`` needs, from all their candidates
    (candidates()), in two rounds: first the candidates that share one of the
    need's modifiers (or all of a need without any); then, of the others (most
    of a common head's products: another kind of it, or the bare head), only
    those whose ceiling reaches both the threshold and the need's top-th score
    of the first round."""
    products = index.products
    found = candidates(needs, index, weights, FLOOR, wanted)
    modifiers, present = _modifiers_found(found, weights, index)
    rows = np.repeat(np.arange(len(needs)), np.diff(found.indptr))
    named = np.array([bool(w.modifiers) for w in weights], dtype=bool)
    strong = (modifiers > 0) | ~named[rows]

    def kept_of(pairs):
        return _kept(
            _subset(found, pairs),
            modifiers[pairs],
            present[pairs],
            *(needs, index, weights, places, context, excluded),
        )

    first = kept_of(strong)
    weak = ~strong
    if weak.any():
        # The most each other pair could score, from what is cheap to know of
        # it (its category, the buyer's own kind, another kind of the head);
        # one that cannot reach the threshold, or the need's top-th score so
        # far, is never evaluated.
        need_pos, product_pos = rows[weak], found.indices[weak].astype(np.int64)
        words = np.array([min(1.0, _weak_words(w)) for w in weights])[need_pos]
        ceiling = WORD_WEIGHT * words + CATEGORY_WEIGHT * _category_shares(
            needs, products, need_pos, product_pos
        )
        other_kind = _names_other_kind(weights, index, need_pos, product_pos)
        ceiling = np.where(other_kind, ceiling * SIBLING, ceiling)
        own = _own_kind_factor(needs, index, need_pos, product_pos)
        ceiling = np.minimum(ceiling * own, 1.0)
        nearest = (
            TIER_WEIGHT[0] if context.fair_id else TIER_WEIGHT[TIERS.index(Proximity.SAME_PARK)]
        )
        best = RELEVANCE_WEIGHT * ceiling + PROXIMITY_WEIGHT * nearest
        # Of the first round's pairs, those surely kept (_select) count: matches
        # (weak pairs are kept only where there is none), close enough to the
        # highest best these pairs could bring.
        reach = ceiling >= FLOOR - ROUNDING
        highest = np.zeros(len(needs))
        np.maximum.at(highest, first[0], first[2])
        np.maximum.at(highest, need_pos[reach], ceiling[reach] + ROUNDING)
        sure = (first[2] >= MIN_RELEVANCE - 1e-9) & (
            first[2] >= lowest_kept(highest)[first[0]] - 1e-9
        )
        bar = _kth(first[0][sure], first[3][sure], len(needs), top)
        hopeful = reach & (best >= bar[need_pos] - ROUNDING)
        chosen = np.zeros(len(found.data), dtype=bool)
        chosen[np.flatnonzero(weak)[hopeful]] = True
        if chosen.any():
            second = kept_of(chosen)
            first = tuple(np.r_[a, b] for a, b in zip(first, second, strict=True))
    return first


def _select(needs, products, kept, top):
    """Scored: of the kept pairs, those close to their need's best relevance (next
    to a product that serves it well, a mediocre one is noise), the best
    ``top`` of each need by score."""
    need_pos, product_pos, rel, total, tier = kept
    best_relevance = np.zeros(len(needs))
    np.maximum.at(best_relevance, need_pos, rel)
    close = rel >= lowest_kept(best_relevance)[need_pos] - 1e-9
    need_pos, product_pos, rel = need_pos[close], product_pos[close], rel[close]
    total, tier = total[close], tier[close]
    product_ids = products.ids[product_pos]
    order = np.lexsort((product_ids, -total, need_pos))
    need_pos, product_pos = need_pos[order], product_pos[order]
    rel, total, tier = rel[order], total[order], tier[order]
    weak = best_relevance[need_pos] < MIN_RELEVANCE - 1e-9
    best = _ranks(need_pos) < np.where(weak, WEAK_TOP, top)
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


def _kth(need_pos, total, count, top):
    """Per need, the ``top``-th best of its scores (−1 with fewer)."""
    bar = np.full(count, -1.0)
    order = np.lexsort((-total, need_pos))
    ranked = _ranks(need_pos[order]) == top - 1
    bar[need_pos[order][ranked]] = total[order][ranked]
    return bar


def _kept(found, modifiers, present, needs, index, weights, places, context, excluded, best=None):
    """(need positions, product positions, relevance, score, tier) of the pairs of
    ``found`` that are kept: of two units, at least MIN_RELEVANCE (FLOOR with a
    modifier of the need in the product's name), not excluded. ``modifiers`` and
    ``present``: the pairs' _modifiers_found.

    Few of a need's candidates come near its best (12 of 2,600 a need at 100k
    units): each pair's ceiling (_ceiling) is cheap to know, so first the pairs
    whose ceiling is near their need's highest are evaluated, then only those
    of the others whose ceiling reaches the least relevance that the best so
    far lets be kept (lowest_kept: the best can only rise). ``best``: each need's
    best already known, from other pairs."""
    if not found.nnz:
        return _kept_pairs(found, modifiers, needs, index, weights, places, context, excluded)
    ceiling = _ceiling(found, modifiers, present, needs, index, weights)
    counts = np.diff(found.indptr)
    rows = np.repeat(np.arange(found.shape[0]), counts)
    highest = np.zeros(found.shape[0])
    filled = counts > 0
    highest[filled] = np.maximum.reduceat(ceiling, found.indptr[:-1][filled])
    best = np.zeros(found.shape[0]) if best is None else best.copy()
    reach = ceiling >= lowest_kept(best)[rows] - ROUNDING
    first = reach & (ceiling >= highest[rows] - NEAR_CEILING)
    kept = _kept_pairs(
        _subset(found, first), modifiers[first], needs, index, weights, places, context, excluded
    )
    np.maximum.at(best, kept[0], kept[2])
    second = reach & ~first & (ceiling >= lowest_kept(best)[rows] - ROUNDING)
    if not second.any():
        return kept
    more = _kept_pairs(
        _subset(found, second), modifiers[second], needs, index, weights, places, context, excluded
    )
    return tuple(np.r_[a, b] for a, b in zip(kept, more, strict=True))


# The first pairs _kept evaluates: those within this much of their need's highest
# ceiling.
NEAR_CEILING = 0.05


def _ceiling(found, modifiers, present, needs, index, weights):
    """Per pair of ``found``, the most relevance it can have, from what is cheap to
    know (_modifiers_found): the weight of the need's modifiers the product has
    at all (``present``; every other term counted as found in its name), its
    category, and whether it is another kind of the thing (``modifiers``)."""
    rest = np.zeros(len(weights))
    for i, weighed in enumerate(weights):
        modifiers_of = set(weighed.modifiers)
        rest[i] = weighed.head_share + sum(
            w for t, w in _term_weights(weighed, index).items() if t not in modifiers_of
        )
    rows = np.repeat(np.arange(found.shape[0]), np.diff(found.indptr))
    words = np.minimum(rest[rows] + present, 1.0)
    products = index.products
    ceiling = WORD_WEIGHT * words + CATEGORY_WEIGHT * _category_shares(
        needs, products, rows, found.indices
    )
    # Without the head, or with it as another kind of the thing.
    other_kind = (modifiers == 0) & _names_other_kind(weights, index, rows, found.indices)
    return np.where(other_kind, ceiling * max(HEADLESS, SIBLING), ceiling)


def _term_weights(weighed, index):
    """{term: its weight among the need's terms besides the head}, of the terms some
    product has."""
    weight = defaultdict(float)
    for w, t, _d in weighed.others:
        if t in index.vocabulary:
            weight[t] += w
    return weight


def _modifier_entries(weights, index):
    """{term column: [(need row, flag shift, weight)]} of the needs' modifiers."""
    by_term = defaultdict(list)
    for i, weighed in enumerate(weights):
        weight = _term_weights(weighed, index)
        for term in weighed.modifiers:
            column = index.vocabulary.get(term)
            if column is not None:
                shift = SIZE_FLAGS if features.is_size(term) else 0
                by_term[column].append((i, shift, weight.get(term, 0.0)))
    return by_term


def _modifiers_found(found, weights, index):
    """(flags, weight) of each pair of ``found``: the OR of the flags of the need's
    modifiers in the product (_flags; a size's SIZE_FLAGS up), and the sum of
    the weights of those it has (_term_weights), in one pass."""
    by_term = _memo(weights, "modifier entries", index, lambda: _modifier_entries(weights, index))
    indptr, indices = found.indptr, found.indices
    flags = np.zeros(len(found.data), dtype=np.int64)
    present = np.zeros(len(found.data))
    if by_term and _few(found, by_term):
        positions, columns, shifts = _entry_positions(found, by_term)
        _p, _c, term_weights = _entry_positions(found, by_term, field=2)
        found_flags = _lookup(index.flags, columns, indices[positions])
        np.bitwise_or.at(flags, positions, found_flags << shifts.astype(np.int64))
        np.add.at(present, positions, term_weights * (found_flags > 0))
        return flags, present
    row = _Row(index.flags)
    for column, entries in by_term.items():
        need_rows = np.fromiter((i for i, _s, _w in entries), dtype=np.int64, count=len(entries))
        positions = _positions(indptr, need_rows)
        if not len(positions):
            continue
        found_flags = row.values(column, indices[positions])
        flags[positions] |= found_flags << entries[0][1]
        lengths = indptr[need_rows + 1] - indptr[need_rows]
        term_weights = np.fromiter(
            (w for _i, _s, w in entries), dtype=np.float64, count=len(entries)
        )
        present[positions] += np.repeat(term_weights, lengths) * (found_flags > 0)
    return flags, present


def _kept_pairs(found, modifiers, needs, index, weights, places, context, excluded):
    """_kept, every pair of ``found`` evaluated."""
    products = index.products
    need_pos, product_pos, parts = evaluate(found, modifiers, needs, index, weights)
    # To the four places it is stored at, before any threshold: an update reads
    # the stored figure and must draw the same lines.
    rel = np.round(parts.relevance(), 4)
    # A weak pair ("may be worth a look") has one of the need's modifiers in its
    # name, a word, not a size or model: «بلوک مرمریت» for «اسلب مرمریت»; not a
    # word of its description («پوتین … با پنجه فولادی» for «فولاد ابزار»), nor
    # «کاسه نمد 6205» for «بلبرینگ 6205». Or it is the very thing the need names
    # (its head as the product's own) and has another of the need's words
    # anywhere: «کارتن ۵ لایه چاپ دار» for «کارتن بسته بندی … چاپ لوگو»; not a
    # bare «آرد ستاره» for «آرد سمولینا دوروم».
    named = parts.head_is_head & parts.beyond_head
    worth_a_look = (rel >= FLOOR - 1e-9) & (((modifiers & 2) > 0) | named)
    keep = ((rel >= MIN_RELEVANCE - 1e-9) | worth_a_look) & (
        needs.units[need_pos] != products.units[product_pos]
    )
    if excluded is not None and len(excluded):
        keys = (needs.ids[need_pos] << 32) + products.ids[product_pos]
        keep &= ~np.isin(keys, excluded)
    need_pos, product_pos, rel = need_pos[keep], product_pos[keep], np.minimum(rel[keep], 1.0)
    tier = tiers(needs.units[need_pos], products.units[product_pos], places, context)
    # Rounded before ranking, to the four places it is stored at: sums in another
    # order must not break a tie, and an update ranks by the stored figure.
    total = np.round(RELEVANCE_WEIGHT * rel + PROXIMITY_WEIGHT * TIER_WEIGHT[tier], 4)
    return need_pos, product_pos, rel, total, tier


def _ranks(sorted_groups):
    """Each position's rank within its run of equal values (0 first)."""
    if not len(sorted_groups):
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    lengths = np.diff(np.r_[starts, len(sorted_groups)])
    return np.arange(len(sorted_groups)) - np.repeat(starts, lengths)


@dataclass
class Parts:
    """The components of each candidate pair's relevance, parallel arrays."""

    words: np.ndarray  # W before the head's factors
    head_found: np.ndarray  # the product has the need's head (or a related word of it)
    head_is_head: np.ndarray  # … as its own head
    head_in_name: np.ndarray  # … in its name
    covered: np.ndarray  # the product's head is one of the need's terms
    category: np.ndarray  # C
    own_kind: np.ndarray  # what is kept for the buyer's own kind (1: not its kind)
    # Another kind of the same thing: the need says which kind, the product shares
    # none of that and names a kind of its own («جعبه پیتزا» for «جعبه شیرینی»).
    sibling: np.ndarray
    beyond_head: np.ndarray = None  # the product has a need's term besides the head
    # Another size: the product's name gives a size in a unit the need's name
    # gives one in, and the product has none of the need's sizes («ورق روغنی ۲
    # میل» for «ورق روغنی ۱ میل»).
    other_size: np.ndarray = None

    def relevance(self):
        words = np.minimum(self.words, 1.0)
        # «چسب کارتن» for «کارتن»; not «رول ورق» for «ورق رولی» (the same words).
        as_modifier = self.head_found & ~self.head_is_head & self.head_in_name & ~self.covered
        words = np.where(as_modifier, words * HEAD_AS_MODIFIER, words)
        value = WORD_WEIGHT * words + CATEGORY_WEIGHT * np.where(words > 0, self.category, 0)
        value = np.where(self.head_found, value, value * HEADLESS)
        value = np.where(self.head_found & self.sibling, value * SIBLING, value)
        if self.other_size is not None:
            value = np.where(self.other_size, value * OTHER_SIZE, value)
        return value * self.own_kind


def relevance(needs, index, weights, floor):
    """(need positions, product positions, relevance) of every pair that may reach
    ``floor`` (a superset), with its exact relevance."""
    need_pos, product_pos, parts = components(needs, index, weights, floor)
    return need_pos, product_pos, parts.relevance()


def components(needs, index, weights, floor):
    """(need positions, product positions, Parts) of every candidate pair that
    may reach ``floor`` (a superset): candidates(), less what _without_siblings
    drops, evaluated exactly."""
    found = candidates(needs, index, weights, floor)
    modifiers = _flags(found, _head_entries(weights, index, "modifiers"), index.flags)
    found, modifiers = _without_siblings(found, modifiers, weights, index, floor)
    return evaluate(found, modifiers, needs, index, weights)


def candidates(needs, index, weights, floor, wanted=None):
    """Needs × products: the pairs that share one of the need's heavy terms at the
    category level they share (heavy_terms). The non-zero cells of one sparse
    product (needs × keyed terms) · (keyed terms × products), which visits only
    the postings of those terms."""
    rows, cols = [], []
    # At a category level: (need, the term's key) pairs, looked up at once.
    scoped = {n: ([], []) for n in SCOPES[1:]}
    levels = dict(zip((2, 3, 4), needs.levels, strict=True))
    vocabulary = index.vocabulary
    for i, weighed in enumerate(weights):
        if not weighed or (wanted is not None and not wanted[i]):
            continue
        for n, terms in heavy_terms(weighed, floor).items():
            if n == 2 and levels[2][i] < 0 and needs.read_in[i]:
                # Read in its unit's divisions: as if it had each of them.
                for division in sorted(needs.read_in[i]):
                    prefix = index.prefixes[2].get(f"{division:02d}")
                    if prefix is None:
                        continue
                    width = max(1, len(index.prefixes[2]))
                    for term in terms:
                        column = vocabulary.get(term)
                        if column is not None:
                            scoped[2][0].append(i)
                            scoped[2][1].append(column * width + prefix)
                continue
            if n and levels[n][i] < 0:
                continue
            if n == 0:
                for term in terms:
                    column = vocabulary.get(term)
                    if column is not None:
                        rows.append(i)
                        cols.append(column)
                continue
            prefix = index.prefixes[n].get(needs.codes[i][:n])
            if prefix is None:
                continue
            width = max(1, len(index.prefixes[n]))
            for term in terms:
                column = vocabulary.get(term)
                if column is not None:
                    scoped[n][0].append(i)
                    scoped[n][1].append(column * width + prefix)
    for n, (need_rows, keys) in scoped.items():
        found_rows, at = index.scoped_rows(n, keys)
        rows += np.array(need_rows, dtype=np.int64)[found_rows].tolist()
        cols += (index.offsets[n] + at).tolist()
    pattern = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(needs), index.keyed.shape[0])
    )
    found = (pattern @ index.keyed).tocsr()
    found.sum_duplicates()
    found.sort_indices()
    return found


def evaluate(found, modifiers, needs, index, weights):
    """(need positions, product positions, Parts) of the pairs of ``found`` (needs
    × products, CSR), whose modifier flags (_flags) are ``modifiers``."""
    products = index.products
    others = _accumulate_scoped(found, _memo_entries(weights, "others", index), index)
    heads = _accumulate_scoped(found, _memo_entries(weights, "heads", index), index, best=True)
    pairs = found.tocoo()
    need_pos, product_pos = pairs.row.astype(np.int64), pairs.col.astype(np.int64)
    share = np.array([w.head_share for w in weights])[need_pos]
    words = others + share * np.minimum(heads, 1.0)
    flags = _flags(found, _head_entries(weights, index), index.flags)
    head_found, head_is_head = (flags & 1) > 0, (flags & 4) > 0
    as_modifier = head_found & ~head_is_head
    parts = Parts(
        words,
        head_found,
        head_is_head,
        (flags & 2) > 0,
        _covered(needs, weights, index, need_pos, product_pos),
        _category_shares(needs, products, need_pos, product_pos),
        _own_kind_factor(needs, index, need_pos, product_pos),
        (modifiers == 0) & _names_other_kind(weights, index, need_pos, product_pos, as_modifier),
        others > 0,
        _other_size(weights, index, need_pos, product_pos, modifiers),
    )
    return need_pos, product_pos, parts


def _other_size(weights, index, need_pos, product_pos, modifiers):
    """Per pair: the product's name gives another size than the need's name, in
    a unit both give, and the product has none of the need's sizes
    (Parts.other_size, features.other_size)."""
    wanted = _memo(weights, "sizes", None, lambda: [features.sizes(w.modifiers) for w in weights])
    found = np.zeros(len(need_pos), dtype=bool)
    if not index.sizes:
        return found
    sized = np.array([bool(s) for s in wanted], dtype=bool)
    maybe = np.flatnonzero(sized[need_pos] & ((modifiers >> SIZE_FLAGS) == 0))
    offered = index.sizes
    rows = zip(maybe.tolist(), need_pos[maybe].tolist(), product_pos[maybe].tolist(), strict=True)
    for k, i, j in rows:
        sizes = offered.get(j)
        if sizes and features.other_size(wanted[i], sizes):
            found[k] = True
    return found


def _subset(found, keep):
    """The pairs of ``found`` (CSR) where ``keep`` (over its data) is true."""
    rows = np.repeat(np.arange(found.shape[0]), np.diff(found.indptr))
    counts = np.bincount(rows[keep], minlength=found.shape[0])
    return sparse.csr_matrix(
        (found.data[keep], found.indices[keep], np.r_[0, np.cumsum(counts)]), shape=found.shape
    )


def _memo_entries(weights, field, index):
    """_entries of the needs' ``field`` ("others", "heads"), once per Weights."""
    return _memo(
        weights, field, index, lambda: _entries([getattr(w, field) for w in weights], index)
    )


def _accumulate_scoped(candidates, by_divisions, index, best=False):
    """Σ weight × the product's field weight over each need's (weight, term,
    divisions) entries (_entries: ``by_divisions``), each counted only where its
    divisions hold; ``best``: the largest of them instead of their sum."""
    total = np.zeros(len(candidates.data))
    for divisions, entries in by_divisions.items():
        inside = None
        if divisions not in (None, EVERYWHERE):
            inside = index.in_divisions(divisions)
        found = _accumulate(candidates, entries, index.terms, inside, best=best)
        total = np.maximum(total, found) if best else total + found
    return total


def _entries(lists, index):
    """{divisions: {term column: [(need row, weight)]}} of the needs' entries."""
    found = defaultdict(lambda: defaultdict(list))
    for i, entries in enumerate(lists):
        for weight, term, divisions in entries:
            column = index.vocabulary.get(term)
            if column is not None:
                found[divisions][column].append((i, weight))
    return found


def _weak_words(weighed):
    """The most word score a product with none of the need's modifiers can have."""
    modifiers = set(weighed.modifiers)
    return weighed.head_share + sum(w for w, t, _d in weighed.others if t not in modifiers)


def _weak_bound(weighed):
    """The most relevance a product with none of the need's modifiers can have."""
    return WORD_WEIGHT * min(1.0, _weak_words(weighed)) + CATEGORY_WEIGHT


def _names_other_kind(weights, index, need_pos, product_pos, as_modifier=None):
    """Per pair: whether the product says something of its kind of the sort the
    need's modifiers say (features.kinds_named): with none of them in common,
    it is another kind of the same thing (SIBLING). ``as_modifier``: the pairs
    where the product has the need's head but not as its own, whose own head
    names another thing («گونی پلاستیکی» for «نایلون شیر»). Without it (the
    bounds) fewer pairs are another kind: never more than evaluate finds."""
    named = _memo(
        weights,
        "kinds named",
        None,
        lambda: np.array([w.kinds for w in weights], dtype=np.int8),
    )
    own = index.own_modifiers[product_pos]
    if as_modifier is not None:
        own = np.where(as_modifier, own | features.OWN_WORDS, own)
    return (own & named[need_pos]) > 0


def _without_siblings(found, modifiers, weights, index, floor):
    """The candidates less the pairs that are another kind of the same thing
    (Parts.sibling) and cannot reach ``floor`` even so: most of a common head's
    products. Returns (candidates, their modifier flags)."""
    bound = np.array([SIBLING * _weak_bound(w) if w.modifiers else 1.0 for w in weights])
    rows = np.repeat(np.arange(found.shape[0]), np.diff(found.indptr))
    other_kind = _names_other_kind(weights, index, rows, found.indices)
    sibling = (modifiers == 0) & other_kind & (bound[rows] < floor - ROUNDING)
    if not sibling.any():
        return found, modifiers
    return _subset(found, ~sibling), modifiers[~sibling]


def _own_kind(needs, index, need_pos, product_pos):
    """Per pair: the product is of the buyer's own kind of output: of its activity
    class and, where the buyer lists products, with the head of one of them (a
    shoemaker's soles are of its class, but not what it makes)."""
    products = index.products
    same_class = (needs.own_class[need_pos] >= 0) & (
        needs.own_class[need_pos] == products.levels[2][product_pos]
    )
    width = np.int64(len(index.vocabulary) + 1)
    keys = sorted(
        i * width + index.vocabulary[h]
        for i, heads in enumerate(needs.own_heads)
        for h in heads
        if h in index.vocabulary
    )
    lists = np.array([bool(heads) for heads in needs.own_heads], dtype=bool)[need_pos]
    heads = index.head_of[product_pos]
    makes_it = (heads >= 0) & np.isin(need_pos * width + heads, np.array(keys, dtype=np.int64))
    return same_class & (~lists | makes_it)


def _own_kind_factor(needs, index, need_pos, product_pos):
    """Per pair, what relevance keeps for the buyer's own kind (_own_kind): OWN_KIND
    where its products say so, OWN_CLASS where only its class does (a spinning
    mill buys washed wool of its own class), 1 otherwise."""
    own = _own_kind(needs, index, need_pos, product_pos)
    lists = np.array([bool(heads) for heads in needs.own_heads], dtype=bool)[need_pos]
    # Where only the class says so, a product that is the very thing the need
    # names is what it asks for, filed under the buyer's class («ظرف کرم» of a
    # cosmetics class for a cosmetics maker's «ظرف کرم»).
    named = own & ~lists
    if named.any():
        named[named] = _is_the_head(needs, index, need_pos[named], product_pos[named])
    return np.where(own & ~named, np.where(lists, OWN_KIND, OWN_CLASS), 1.0)


def _is_the_head(needs, index, need_pos, product_pos):
    """Per pair: the product's head is one of the terms that find the need's head."""
    width = np.int64(len(index.vocabulary) + 1)
    keys = np.array(
        sorted(
            i * width + index.vocabulary[h]
            for i in np.unique(need_pos).tolist()
            for h in needs.features[i].head
            if h in index.vocabulary
        ),
        dtype=np.int64,
    )
    heads = index.head_of[product_pos]
    return (heads >= 0) & np.isin(need_pos * width + heads, keys)


def _covered(needs, weights, index, need_pos, product_pos):
    """Per pair: the product's head is one of the need's terms (any kind), or the
    first word of a related phrase («کیسه» of «کیسه پلاستیکی» ≈ «نایلون»)."""
    width = np.int64(len(index.vocabulary) + 1)

    def keys():
        found = sorted(
            i * width + index.vocabulary[t]
            for i, weighed in enumerate(weights)
            for t in _kinds(weighed, needs.features[i].pairs)
            if t in index.vocabulary
        )
        return np.array(found, dtype=np.int64)

    heads = index.head_of[product_pos]
    pair_keys = need_pos * width + heads
    return (heads >= 0) & np.isin(pair_keys, _memo(weights, "covered", index, keys))


def _kinds(weighed, pairs):
    """The heads a product may have and still be what the need names (_covered)."""
    found = {t for _w, t, _d in weighed.entries}
    found |= {pairs[t] for _w, t, d in weighed.entries if d is not None and t in pairs}
    return found


# A modifier that is a size or a model number flags its pairs this many bits up
# (_flags): the flags of the need's words and of its sizes, apart.
SIZE_FLAGS = 3


def _head_entries(weights, index, field="head"):
    """{term column: [(need row, the bits its flags go up by)]} of the needs' head
    (or modifier) terms: a modifier that is a size by SIZE_FLAGS."""
    by_term = defaultdict(list)
    for i, weighed in enumerate(weights):
        for term in getattr(weighed, field):
            column = index.vocabulary.get(term)
            if column is not None:
                shift = SIZE_FLAGS if field == "modifiers" and features.is_size(term) else 0
                by_term[column].append((i, shift))
    return by_term


def _flags(candidates, by_term, matrix):
    """For each candidate pair: the OR of matrix[term, product] over the need's
    entries in ``by_term`` (integer flags, shifted up by the entries' bits: one
    term, one shift)."""
    indptr, indices = candidates.indptr, candidates.indices
    total = np.zeros(len(candidates.data), dtype=np.int64)
    if by_term and _few(candidates, by_term):
        positions, columns, shifts = _entry_positions(candidates, by_term)
        found = _lookup(matrix, columns, indices[positions]) << shifts.astype(np.int64)
        np.bitwise_or.at(total, positions, found)
        return total
    row = _Row(matrix)
    for column, entries in by_term.items():
        need_rows = np.fromiter((i for i, _w in entries), dtype=np.int64, count=len(entries))
        positions = _positions(indptr, need_rows)
        if len(positions):
            total[positions] |= row.values(column, indices[positions]) << entries[0][1]
    return total


def _lookup(matrix, rows, cols):
    """matrix[rows[k], cols[k]] for each k (0 where there is none): a binary search
    of all of them at once within their rows (CSR, sorted indices)."""
    indptr, indices = matrix.indptr, matrix.indices
    lo, end = indptr[rows].astype(np.int64), indptr[rows + 1].astype(np.int64)
    hi = end.copy()
    active = np.flatnonzero(lo < hi)
    while len(active):
        mid = (lo[active] + hi[active]) // 2
        less = indices[mid] < cols[active]
        lo[active] = np.where(less, mid + 1, lo[active])
        hi[active] = np.where(less, hi[active], mid)
        active = active[lo[active] < hi[active]]
    there = lo < end
    found = np.zeros(len(rows), dtype=matrix.data.dtype)
    at = lo[there]
    found[there] = np.where(indices[at] == cols[there], matrix.data[at], 0)
    return found


def _few(candidates, by_term):
    """Whether ``by_term``'s entries ask about so few pairs that one lookup of them
    all (_lookup) beats a pass per term (each one costs some 30 µs of numpy
    calls, and a block of needs has thousands of terms)."""
    return len(candidates.data) * 4 < 200 * len(by_term)


def _entry_positions(candidates, by_term, field=1):
    """(positions, term columns, the entries' ``field``) of every (pair, entry of its
    need in ``by_term``), as flat arrays."""
    columns, need_rows, values = [], [], []
    for column, entries in by_term.items():
        for entry in entries:
            columns.append(column)
            need_rows.append(entry[0])
            values.append(entry[field])
    need_rows = np.array(need_rows, dtype=np.int64)
    indptr = candidates.indptr
    lengths = indptr[need_rows + 1] - indptr[need_rows]
    positions = _positions(indptr, need_rows)
    return (
        positions,
        np.repeat(np.array(columns, dtype=np.int64), lengths),
        np.repeat(np.array(values), lengths),
    )


class _Row:
    """The values of one row of ``matrix`` (terms × products, CSR, sorted) at some
    products: by a binary search of its postings when they are many more than
    the products asked about (a common word's, for a need's few candidates),
    else through a dense row."""

    def __init__(self, matrix):
        self.matrix = matrix
        self.dense = None

    def values(self, column, products):
        matrix = self.matrix
        start, end = matrix.indptr[column], matrix.indptr[column + 1]
        postings, data = matrix.indices[start:end], matrix.data[start:end]
        if not len(postings):
            return np.zeros(len(products), dtype=data.dtype)
        if 16 * len(products) < len(postings):
            at = np.minimum(np.searchsorted(postings, products), len(postings) - 1)
            return np.where(postings[at] == products, data[at], 0)
        if self.dense is None:
            self.dense = np.zeros(matrix.shape[1], dtype=data.dtype)
        self.dense[postings] = data
        found = self.dense[products]
        self.dense[postings] = 0
        return found


def _positions(indptr, need_rows):
    """The positions in the candidates' data of these needs' candidates, as one array
    (each need appears once per term column, so no position repeats)."""
    firsts, lengths = indptr[need_rows], indptr[need_rows + 1] - indptr[need_rows]
    # np.concatenate, not np.r_: this runs once per term and block (14,000 times
    # for 4,000 needs), and np.r_ costs ten times as much.
    starts = np.zeros(len(lengths), dtype=lengths.dtype)
    np.cumsum(lengths[:-1], out=starts[1:])
    offsets = np.repeat(firsts - starts, lengths)
    return np.arange(lengths.sum()) + offsets


def _accumulate(candidates, by_term, matrix, inside=None, binary=False, best=False):
    """For each candidate pair (the data of ``candidates``, needs × products):
    Σ weight × matrix[term, product] over the need's entries in ``by_term``
    (``best``: the largest); ``inside``: only products where it is true;
    ``binary``: count presence."""
    indptr, indices = candidates.indptr, candidates.indices
    total = np.zeros(len(candidates.data))
    if by_term and _few(candidates, by_term):
        positions, columns, term_weights = _entry_positions(candidates, by_term)
        products = indices[positions]
        present = _lookup(matrix, columns, products)
        if binary:
            present = present != 0
        if inside is not None:
            present = present * inside[products]
        (np.maximum if best else np.add).at(total, positions, term_weights * present)
        return total
    row = _Row(matrix)
    for column, entries in by_term.items():
        need_rows = np.fromiter((i for i, _w in entries), dtype=np.int64, count=len(entries))
        term_weights = np.fromiter((w for _i, w in entries), dtype=np.float64, count=len(entries))
        lengths = indptr[need_rows + 1] - indptr[need_rows]
        positions = _positions(indptr, need_rows)
        if not len(positions):
            continue
        products = indices[positions]
        present = row.values(column, products)
        if binary:
            present = present != 0
        if inside is not None:
            present = present * inside[products]
        found = np.repeat(term_weights, lengths) * present
        if best:
            # A need has a term once: its positions in one column never repeat.
            total[positions] = np.maximum(total[positions], found)
        else:
            total[positions] += found
    return total


def _category_shares(needs, products, need_pos, product_pos):
    """0.4 same division, 0.7 same group, 1 same class; a need without a category
    is read in its read_in divisions (those its unit's division buys from): 0.4
    for a product of one of them."""
    share = np.zeros(len(need_pos))
    for level, (need_codes, product_codes) in enumerate(
        zip(needs.levels, products.levels, strict=True)
    ):
        mine = need_codes[need_pos]
        same = (mine >= 0) & (mine == product_codes[product_pos])
        share[same] = LEVEL_SHARE[level + 2]
    keys = needs.read_in_keys
    if len(keys):
        division = products.levels[0][product_pos]
        read = (division >= 0) & np.isin(need_pos * 100 + division, keys)
        share[read] = np.maximum(share[read], LEVEL_SHARE[2])
    return share


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
