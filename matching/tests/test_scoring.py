"""The pruned scoring gives exactly what scoring every pair gives."""

import random

import numpy as np
import pytest

from matching import features, index, scoring
from matching.features import DESCRIPTION, NAME, NeedText, ProductText
from matching.index import Context, Items, Places, ProductIndex, Rarity
from matching.supply_chain import read_in

# Words, and a few sizes, model numbers and materials among them: another kind
# is said by a word against a word, a size against a size, a material against
# a material (features.kinds_named).
MATERIALS = ["فلز", "چوب", "pvc", "مقوا", "کاغذ", "پلاستیک"]
WORDS = [
    f"{i}mm"
    if i % 14 == 3
    else f"62{i:02d}"
    if i % 7 == 3
    else MATERIALS[i // 7]
    if i % 7 == 5
    else f"w{i}"
    for i in range(40)
]
CODES = ["1511", "1512", "1520", "1701", "1702", "2013", "2220", "15", "17", ""]


def zipf_words(rng, k):
    # Zipf-like: a few words are everywhere, most are rare.
    return rng.choices(WORDS, weights=[1 / (i + 1) for i in range(40)], k=k)


def products_of(rng, count, units):
    found = []
    for _ in range(count):
        terms = {}
        for word in zipf_words(rng, rng.randint(0, 6)):
            terms[word] = rng.choice([NAME, NAME, DESCRIPTION])
        names = [t for t, w in terms.items() if w == NAME]
        head = rng.choice(names) if names else ""
        # Now and then the head takes another word of the name with it.
        finds = (head, rng.choice(names)) if head and rng.random() < 0.3 else ()
        own = 0
        for term in names:
            if term != head and term not in finds:
                own |= features.kind_of(term)
        found.append(ProductText(terms, head, own_modifiers=own, finds=finds))
    return _items(rng, found, 1, units)


def needs_of(rng, count, units):
    found = []
    for _ in range(count):
        terms = {
            w: rng.choice([1.0, 1.0, 0.5, 0.3, 0.4]) for w in zipf_words(rng, rng.randint(0, 5))
        }
        head = tuple(rng.sample(sorted(terms), min(len(terms), rng.randint(0, 2))))
        related = []
        for word in rng.sample(WORDS, rng.randint(0, 2)):
            if word in terms or not terms:
                continue
            covered = tuple(rng.sample(sorted(terms), 1))
            divisions = rng.choice([None, frozenset({"15"}), frozenset({"17", "22"})])
            related.append((word, covered, divisions, covered))
            if set(covered) & set(head):
                head += (word,)
        modifiers = tuple(t for t in terms if t not in head and rng.random() < 0.7)
        found.append(NeedText(terms, head, modifiers, tuple(related)))
    return _items(rng, found, 1001, units)


# The supply-chain map of the random worlds: buyer division → what it buys from.
BUYS_FROM = {15: frozenset({17, 20, 22}), 17: frozenset({22}), 22: frozenset({15, 20})}


def _items(rng, found, start, units):
    count = len(found)
    codes = [rng.choice(CODES) for _ in range(count)]
    activities = [rng.choice(CODES) for _ in range(count)]
    return Items(
        np.arange(start, start + count, dtype=np.int64),
        np.array([rng.choice(units) for _ in range(count)], dtype=np.int64),
        codes,
        found,
        activities,
        [frozenset(rng.sample(WORDS[:8], rng.randint(0, 2))) for _ in range(count)],
        read_in(codes, activities, BUYS_FROM),
    )


def relevance_of(
    weighed,
    need_code,
    own,
    product,
    product_code,
    own_heads=frozenset(),
    pairs=None,
    need_head=None,
    read_in=frozenset(),
):
    """The definition of one pair's relevance, written out (docs/matching.md)."""

    pairs = pairs or {}

    def each(entries):
        for weight, term, divisions in entries:
            if divisions not in (None, scoring.EVERYWHERE):
                division = product_code[:2]
                if len(division) == 2 and division not in divisions:
                    continue
            yield weight * product.terms.get(term, 0)

    # The head: the best of the terms that find it; the other terms: their sum.
    words = sum(each(weighed.others)) + weighed.head_share * max(each(weighed.heads), default=0)
    words = min(words, 1.0)
    found = [t for t in weighed.head if t in product.terms]
    kinds = {t for _w, t, _d in weighed.entries}
    kinds |= {pairs[t] for _w, t, d in weighed.entries if d is not None and t in pairs}
    covered = product.head in kinds
    as_modifier = any(product.terms[t] == NAME for t in found) and not covered
    as_head = bool({product.head, *product.finds} & set(found))
    if found and not as_head and as_modifier:
        words *= scoring.HEAD_AS_MODIFIER
    category = 0.0
    for n, share in ((2, 0.4), (3, 0.7), (4, 1.0)):
        if len(need_code) >= n and need_code[:n] == product_code[:n]:
            category = share
    # A need without a category, read in the divisions its unit's division buys
    # from: a product of one of them shares a division.
    division = product_code[:2]
    if not need_code[:2].isdigit() and division.isdigit() and int(division) in read_in:
        category = max(category, 0.4)
    value = 0.65 * words + 0.35 * (category if words > 0 else 0)
    if not found:
        value *= scoring.HEADLESS
    elif (
        weighed.modifiers
        and not any(t in product.terms for t in weighed.modifiers)
        # With the need's head not its own, the product's head names another thing.
        and (product.own_modifiers | (features.OWN_WORDS if not as_head else 0)) & weighed.kinds
    ):
        value *= scoring.SIBLING
    # Another size: in a unit both names give, none of the need's sizes near.
    wanted = features.sizes(weighed.modifiers)
    offered = features.sizes(t for t, w in product.terms.items() if w == NAME)
    has_a_size = any(features.is_size(t) and t in product.terms for t in weighed.modifiers)
    if wanted and not has_a_size and features.other_size(wanted, offered):
        value *= scoring.OTHER_SIZE
    if len(own) == 4 and own == product_code:
        if not own_heads:
            # The class alone: not where the product is the very thing named.
            if product.head not in (need_head if need_head is not None else weighed.head):
                value *= scoring.OWN_CLASS
        elif product.head in own_heads:
            value *= scoring.OWN_KIND
    return value


def every_pair(needs, products, rarity, places, top):
    """The definition, pair by pair: relevance, threshold, proximity, best ``top``."""
    result = []
    for i, weighed in enumerate(scoring.need_weights(needs, rarity)):
        if not weighed:
            continue
        scored = []
        for j in range(len(products)):
            if needs.units[i] == products.units[j]:
                continue
            relevance = relevance_of(
                weighed,
                needs.codes[i],
                needs.activities[i],
                products.features[j],
                products.codes[j],
                needs.own_heads[i],
                needs.features[i].pairs,
                needs.features[i].head,
                needs.read_in[i],
            )
            # Kept to four places before any threshold, as stored.
            relevance = round(relevance, 4)
            # A weak pair has a word of the need's modifiers (not a size) in its
            # name, or is the thing named (the need's head as its own) with
            # another of the need's words.
            offered = products.features[j]
            named = any(
                offered.terms.get(t) == NAME and not features.is_size(t) for t in weighed.modifiers
            ) or (
                bool({offered.head, *offered.finds} & set(weighed.head) & set(offered.terms))
                and beyond_head(weighed, offered, products.codes[j])
            )
            if relevance < (scoring.FLOOR if named else scoring.MIN_RELEVANCE) - 1e-9:
                continue
            relevance = min(relevance, 1.0)
            tier = scoring.tiers(
                needs.units[i : i + 1], products.units[j : j + 1], places, Context.none()
            )[0]
            score = 0.85 * relevance + 0.15 * scoring.TIER_WEIGHT[tier]
            scored.append((-round(score, 4), int(products.ids[j]), relevance))
        best = max((r for *_x, r in scored), default=0)
        # Beside a match, nothing under MIN_RELEVANCE; a need with none keeps its
        # best WEAK_TOP from FLOOR.
        match = best >= scoring.MIN_RELEVANCE - 1e-9
        lowest = scoring.MIN_RELEVANCE if match else scoring.FLOOR
        scored = [s for s in scored if s[2] >= max(lowest, best - scoring.CLOSE_TO_BEST) - 1e-9]
        for _neg, product, relevance in sorted(scored)[: top if match else scoring.WEAK_TOP]:
            result.append((int(needs.ids[i]), product, relevance))
    return result


def beyond_head(weighed, product, product_code):
    """Whether the product has one of the need's terms besides the head, where it
    holds (a related word in its divisions)."""
    for _w, term, divisions in weighed.others:
        if divisions not in (None, scoring.EVERYWHERE):
            division = product_code[:2]
            if len(division) == 2 and division not in divisions:
                continue
        if product.terms.get(term, 0) > 0:
            return True
    return False


def _places(units):
    return Places(
        {u: u - 1 for u in units},
        np.array([u % 4 for u in units]),  # park (0: none)
        np.array([u % 3 + 1 for u in units]),  # county
        np.array([u % 2 + 1 for u in units]),  # province
    )


def test_the_words_of_the_set_are_of_every_sort():
    sorts = {features.kind_of(w) for w in WORDS}
    assert sorts == {features.OWN_WORDS, features.OWN_SIZES, features.OWN_MATERIALS}


def test_pruned_scoring_equals_scoring_every_pair():
    rng = random.Random(1405)
    units = list(range(1, 30))
    places = _places(units)
    products = products_of(rng, 400, units)
    needs = needs_of(rng, 150, units)
    rarity = Rarity.of_products(products)
    scored = scoring.score(needs, ProductIndex(products), rarity, places, Context.none(), top=5)
    pruned = sorted(
        zip(scored.needs.tolist(), scored.products.tolist(), scored.relevance.tolist(), strict=True)
    )
    reference = sorted(every_pair(needs, products, rarity, places, top=5))
    assert len(reference) > 300
    # The set exercises every rule: pairs without the head, with a related word, own kind.
    weights = scoring.need_weights(needs, rarity)
    assert any(d is not None for w in weights for _x, _t, d in w.entries)
    assert [(n, p) for n, p, _r in pruned] == [(n, p) for n, p, _r in reference]
    # Both round to 4 places; a sum in another order may round the other way.
    assert np.allclose([r for *_x, r in pruned], [r for *_x, r in reference], atol=2e-4)


def test_needs_read_in_their_units_divisions_are_pruned_exactly():
    """Needs without a category, of units that buy from the products' divisions,
    with many light words: a product with one of them and a division it is read
    in may be kept, one with that word alone not."""
    rng = random.Random(1406)
    units = list(range(1, 30))
    places = _places(units)
    products = products_of(rng, 400, units)
    needs = needs_of(rng, 200, units)
    for i in range(len(needs)):
        terms = {w: rng.choice([1.0, 0.5, 0.4]) for w in zipf_words(rng, rng.randint(3, 8))}
        needs.features[i] = NeedText(terms, (sorted(terms)[0],), ())
    needs.codes = [""] * len(needs)
    needs.activities = [rng.choice(["1520", "1702", "2220"]) for _ in range(len(needs))]
    needs.read_in = read_in(needs.codes, needs.activities, BUYS_FROM)
    rarity = Rarity.of_products(products)
    scored = scoring.score(needs, ProductIndex(products), rarity, places, Context.none(), top=5)
    pruned = sorted(zip(scored.needs.tolist(), scored.products.tolist(), strict=True))
    reference = every_pair(needs, products, rarity, places, top=5)
    assert len(reference) > 100
    assert pruned == sorted((n, p) for n, p, _r in reference)
    # Without the divisions other pairs are kept: the rule is at work.
    needs.read_in = [frozenset()] * len(needs)
    assert set(every_pair(needs, products, rarity, places, top=5)) != set(reference)


def test_the_thing_named_with_another_word_is_kept_as_weak_exactly():
    """Needs that say their kind and more in passing, among products that are the
    thing named, say another kind of it and share a word of the passing ones
    (in their description): weak pairs by the second rule of _kept_pairs,
    found by the pruned scoring as by the definition."""
    rng = random.Random(1407)
    units = list(range(1, 30))
    places = _places(units)
    plain = [w for w in WORDS if w.startswith("w")]
    texts = []
    needs = needs_of(rng, 120, units)
    for i in range(len(needs)):
        head, kind, *passing = rng.sample(plain, rng.randint(3, 5))
        terms = {head: 1.0, kind: 1.0, **dict.fromkeys(passing, 0.3)}
        needs.features[i] = NeedText(terms, (head,), (kind,), kinds=features.OWN_WORDS)
        for _ in range(rng.randint(1, 3)):
            other = rng.choice([w for w in plain if w not in terms])
            described = dict.fromkeys(rng.sample(passing, 1), DESCRIPTION)
            found = {head: NAME, other: NAME, **described}
            texts.append(ProductText(found, head, own_modifiers=features.OWN_WORDS))
    products = products_of(rng, 200, units)
    extra = _items(rng, texts, 1 + len(products), units)
    products = Items(
        np.r_[products.ids, extra.ids],
        np.r_[products.units, extra.units],
        products.codes + extra.codes,
        products.features + extra.features,
        products.activities + extra.activities,
        products.own_heads + extra.own_heads,
        products.read_in + extra.read_in,
    )
    rarity = Rarity.of_products(products)
    scored = scoring.score(needs, ProductIndex(products), rarity, places, Context.none(), top=5)
    pruned = sorted(zip(scored.needs.tolist(), scored.products.tolist(), strict=True))
    reference = every_pair(needs, products, rarity, places, top=5)
    weak = [(n, p) for n, p, r in reference if r < scoring.MIN_RELEVANCE]
    assert len(weak) > 5
    assert pruned == sorted((n, p) for n, p, _r in reference)


@pytest.mark.parametrize("wide", [index.WIDE, 3])
def test_narrow_candidates_leave_out_nothing_in_reach(monkeypatch, wide):
    """Needs that name their kind, among products that share many words: most are
    done from the narrow candidates (term pairs; with a small WIDE, many
    products are found by their terms alone), and the result is the definition's."""
    monkeypatch.setattr(index, "WIDE", wide)
    rng = random.Random(99)
    units = list(range(1, 20))
    places = _places(units)
    products = products_of(rng, 500, units)
    needs = needs_of(rng, 200, units)
    needs.features = [
        NeedText(f.terms, f.head, tuple(t for t in f.terms if t not in f.head), f.related)
        if f.head
        else f
        for f in needs.features
    ]
    rarity = Rarity.of_products(products)
    product_index = ProductIndex(products)
    weights = scoring.need_weights(needs, rarity)
    found, bound = scoring.narrow_candidates(needs, product_index, weights)
    assert (bound < 1).sum() > 60 and found.nnz
    if wide == 3:
        assert product_index.narrow_offsets["division"] > product_index.narrow_offsets["wide"]
    scored = scoring.score(needs, product_index, rarity, places, Context.none(), top=5)
    pruned = sorted(
        zip(scored.needs.tolist(), scored.products.tolist(), scored.relevance.tolist(), strict=True)
    )
    reference = sorted(every_pair(needs, products, rarity, places, top=5))
    assert len(reference) > 200
    assert [(n, p) for n, p, _r in pruned] == [(n, p) for n, p, _r in reference]


@pytest.mark.parametrize("seed", [3, 1405, 2026])
def test_most_candidates_are_never_evaluated_in_full(monkeypatch, seed):
    """A common head's products, few of them of the kind the needs name: _kept
    evaluates first the pairs whose ceiling is near their need's highest, then
    only those whose ceiling reaches what the best lets be kept. Far fewer
    pairs than the candidates, and the definition's result all the same."""
    rng = random.Random(seed)
    units = list(range(1, 25))
    places = _places(units)
    found = [ProductText({"w0": NAME, "w1": NAME, "w2": NAME}, "w0", own_modifiers=1)] * 6
    for _ in range(400):
        other = rng.choice(WORDS[3:])
        # The head and one modifier, in the description: a candidate, seldom near.
        terms = {"w0": NAME, other: NAME, rng.choice(["w1", "w2"]): DESCRIPTION}
        found.append(ProductText(terms, "w0", own_modifiers=1))
    products = _items(rng, found, 1, units)
    needs = _items(
        rng, [NeedText({"w0": 1.0, "w1": 1.0, "w2": 1.0}, ("w0",), ("w1", "w2"))] * 30, 1001, units
    )
    rarity = Rarity.of_products(products)
    candidates, evaluated = [], []
    kept_pairs, ceiling = scoring._kept_pairs, scoring._ceiling

    def counting_kept_pairs(found, *args):
        evaluated.append(found.nnz)
        return kept_pairs(found, *args)

    def counting_ceiling(found, *args):
        candidates.append(found.nnz)
        return ceiling(found, *args)

    monkeypatch.setattr(scoring, "_kept_pairs", counting_kept_pairs)
    monkeypatch.setattr(scoring, "_ceiling", counting_ceiling)
    scored = scoring.score(needs, ProductIndex(products), rarity, places, Context.none(), top=5)
    assert sum(candidates) > 30 * 150
    assert sum(evaluated) < 0.4 * sum(candidates)
    pruned = sorted(zip(scored.needs.tolist(), scored.products.tolist(), strict=True))
    reference = sorted((n, p) for n, p, _r in every_pair(needs, products, rarity, places, top=5))
    assert len(reference) > 40
    assert pruned == reference


def test_excluded_pairs_are_never_kept():
    rng = random.Random(7)
    units = list(range(1, 10))
    places = Places({u: u - 1 for u in units}, *(np.ones(9, dtype=np.int64),) * 3)
    products = products_of(rng, 100, units)
    needs = needs_of(rng, 40, units)
    rarity = Rarity.of_products(products)
    index = ProductIndex(products)
    first = scoring.score(needs, index, rarity, places, Context.none(), top=5)
    assert len(first)
    excluded = np.array(sorted((first.needs[:10] << 32) + first.products[:10]), dtype=np.int64)
    second = scoring.score(needs, index, rarity, places, Context.none(), top=5, excluded=excluded)
    kept = set(zip(second.needs.tolist(), second.products.tolist(), strict=True))
    gone = set(zip(first.needs[:10].tolist(), first.products[:10].tolist(), strict=True))
    assert not kept & gone
