"""The pruned scoring gives exactly what scoring every pair gives."""

import random

import numpy as np

from matching import engine
from matching.features import DESCRIPTION, NAME

WORDS = [f"w{i}" for i in range(40)]
CODES = ["1511", "1512", "1520", "1701", "1702", "2013", "2220", "15", "17", ""]


def items(rng, count, start, units):
    terms = []
    for _ in range(count):
        found = {}
        # Zipf-like: a few words are everywhere, most are rare.
        for word in rng.choices(
            WORDS, weights=[1 / (i + 1) for i in range(40)], k=rng.randint(0, 6)
        ):
            found[word] = rng.choice([NAME, NAME, DESCRIPTION])
        terms.append(found)
    return engine.Items(
        np.arange(start, start + count, dtype=np.int64),
        np.array([rng.choice(units) for _ in range(count)], dtype=np.int64),
        [rng.choice(CODES) for _ in range(count)],
        terms,
        [("", "")] * count,
        [list(t) for t in terms],
    )


def every_pair(needs, products, rarity, places, top):
    """The definition, pair by pair: relevance, threshold, proximity, best ``top``."""
    result = []
    for i in range(len(needs)):
        weights = {t: rarity.weight(t) * w for t, w in needs.terms[i].items()}
        total = sum(weights.values())
        if not total:
            continue
        scored = []
        for j in range(len(products)):
            if needs.units[i] == products.units[j]:
                continue
            words = sum(w * products.terms[j].get(t, 0) for t, w in weights.items()) / total
            category = 0.0
            for n, share in ((2, 0.4), (3, 0.3), (4, 0.3)):
                a, b = needs.codes[i], products.codes[j]
                if len(a) >= n and a[:n] == b[:n]:
                    category += share
                else:
                    break
            relevance = 0.65 * words + 0.35 * category
            if relevance < engine.MIN_RELEVANCE - 1e-9:
                continue
            relevance = min(relevance, 1.0)
            tier = engine.tiers(
                needs.units[i : i + 1], products.units[j : j + 1], places, engine.Context.none()
            )[0]
            score = 0.85 * relevance + 0.15 * engine.TIER_WEIGHT[tier]
            scored.append((-round(score, 9), int(products.ids[j]), round(relevance, 4)))
        for _neg, product, relevance in sorted(scored)[:top]:
            result.append((int(needs.ids[i]), product, relevance))
    return result


def test_pruned_scoring_equals_scoring_every_pair():
    rng = random.Random(1405)
    units = list(range(1, 30))
    places = engine.Places(
        {u: u - 1 for u in units},
        np.array([u % 4 for u in units]),  # park (0: none)
        np.array([u % 3 + 1 for u in units]),  # county
        np.array([u % 2 + 1 for u in units]),  # province
    )
    products = items(rng, 400, 1, units)
    needs = items(rng, 150, 1001, units)
    rarity = engine.Rarity.of_products(products)
    scored = engine.score(
        needs, engine.ProductIndex(products), rarity, places, engine.Context.none(), top=5
    )
    pruned = sorted(
        zip(scored.needs.tolist(), scored.products.tolist(), scored.relevance.tolist(), strict=True)
    )
    reference = sorted(every_pair(needs, products, rarity, places, top=5))
    assert len(reference) > 300
    assert [(n, p) for n, p, _r in pruned] == [(n, p) for n, p, _r in reference]
    assert np.allclose([r for *_x, r in pruned], [r for *_x, r in reference])
