"""The blind labeled set: needs and products written by people who had not read
the engine (matching/tests/data/blind_*.json), split once into a development
half (tune on it) and a held-out half (only measure it).

Each file holds suppliers (with where they stand relative to the buyers: the
booth next door, the same hall, park, county, another county of the province,
another province), buyers (with their own ISIC class), products, and needs
with the products that truly serve them and distractors. build() writes that
world at a fair; evaluate() gives the figures of docs/matching.md for the
engine, and for the obvious peer, a character n-gram TF-IDF baseline.
"""

import hashlib
import json
import math
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from exhibitors.models import (
    Category,
    County,
    Exhibitor,
    IndustrialPark,
    Need,
    Product,
    Province,
)
from exhibitors.tests.factories import valid_national_id
from fairs.models import Booth, Fair, Hall, Participation
from matching import engine, scoring
from matching.index import Context, Places
from matching.models import Match
from portal.lib.text import normalize

DATA = Path(__file__).resolve().parent / "data"
HALVES = ("development", "held-out")
TIER_ORDER = [t.value for t in scoring.TIERS]


def blind_files():
    """The split set: blind_a, blind_b (blind_cross.json holds labels across them)."""
    return [p for p in sorted(DATA.glob("blind_*.json")) if p.stem != "blind_cross"]


def worlds():
    """[(name, files)]: each is written as a registry of its own, alone in the
    database. The split set; then each set written later for development only
    (dev_*.json), labelled by its writer against its own products."""
    return [("blind", blind_files())] + [(p.stem, [p]) for p in sorted(DATA.glob("dev_*.json"))]


def load(paths=None):
    """(suppliers, buyers, products, needs) of these files (the split set by
    default), keys made unique. The needs of a dev_* file are all development."""
    suppliers, buyers, products, needs = {}, {}, [], []
    for path in blind_files() if paths is None else paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        prefix = path.stem + ":"
        suppliers |= {prefix + k: v for k, v in data["suppliers"].items()}
        buyers |= {prefix + k: v for k, v in data["buyers"].items()}
        for product in data["products"]:
            products.append(
                {
                    **product,
                    "key": prefix + product["key"],
                    "supplier": prefix + product["supplier"],
                }
            )
        for need in data["needs"]:
            needs.append(
                {
                    **need,
                    "key": prefix + need["key"],
                    "buyer": prefix + need["buyer"],
                    "relevant": {prefix + k for k in need["relevant"]},
                    "distractors": {prefix + k for k in need.get("distractors", [])},
                    **({"half": "development"} if path.stem.startswith("dev_") else {}),
                }
            )
    _label_across(needs)
    _label_twins(products, needs)
    return suppliers, buyers, products, needs


def _label_across(needs):
    """Each file's writer labelled its needs against its own products; the files
    are one registry here, so a product of another file that serves a need is
    labelled too (blind_cross.json, written by a reviewer who saw only the data
    files, never the engine or its rankings)."""
    path = DATA / "blind_cross.json"
    if not path.exists():
        return
    labels = json.loads(path.read_text(encoding="utf-8"))["labels"]
    for need in needs:
        need["relevant"] |= set(labels.get(need["key"], ()))


def _label_twins(products, needs):
    """Products identical in name, description and category carry one label (the
    set's own rule, FORMAT: the writers sometimes labelled only one of a pair):
    a twin of a relevant product is relevant. Mechanical, the same for both
    halves, and blind to what the engine ranks."""
    groups = defaultdict(set)
    for product in products:
        key = (normalize(product["name"]), normalize(product.get("description", "")))
        groups[(*key, product.get("category", ""))].add(product["key"])
    twins = {k: group for group in groups.values() if len(group) > 1 for k in group}
    for need in needs:
        for key in list(need["relevant"]):
            need["relevant"] |= twins.get(key, set())
        need["distractors"] -= need["relevant"]


def split(needs):
    """Each need gets "half": within each industry, ordered by a hash of the key,
    every other one is held out. Fixed once: the halves never change."""
    by_industry = defaultdict(list)
    for need in needs:
        if need.get("half") and need["key"].startswith("dev_"):
            continue  # a development set: never held out
        by_industry[need.get("industry", "")].append(need)
    for group in by_industry.values():
        group.sort(key=lambda n: hashlib.sha256(n["key"].encode()).hexdigest())
        for i, need in enumerate(group):
            need["half"] = HALVES[i % 2]
    return needs


def _category(code, known):
    code = (code or "").strip()
    return known.get(code)


def clear():
    """Remove the world that build() wrote (the database holds nothing else): its
    units, with their products, needs and matches, and its fair."""
    Fair.objects.filter(slug="blind-test").delete()
    Exhibitor.objects.all().delete()


def build(paths=None):
    """Write a world (the split set by default) at a fair and compute its matches.
    Returns (fair, needs with their "pk", products by key)."""
    suppliers, buyers, products, needs = load(paths)
    split(needs)
    known = {c.code: c for c in Category.objects.all()}
    hamedan = County.objects.get(province__name_fa="همدان", name_fa="همدان")
    malayer = County.objects.get(province__name_fa="همدان", name_fa="ملایر")
    tehran = County.objects.get_or_create(
        province=Province.objects.get(name_fa="تهران"), name_fa="تهران"
    )[0]
    bu_ali = IndustrialPark.objects.get(name_fa="شهرک صنعتی بوعلی")
    places = {
        "next": {"county": hamedan, "park": bu_ali},
        "hall": {"county": malayer},
        "park": {"county": hamedan, "park": bu_ali},
        "county": {"county": hamedan},
        "province": {"county": malayer},
        "far": {"county": tehran},
    }
    fair = Fair.objects.create(
        title_fa="نمایشگاه آزمون کور",
        title_en="Blind test fair",
        slug="blind-test",
        county=hamedan,
        status=Fair.Status.OPEN,
        **_dates(),
    )
    hall = Hall.objects.create(
        fair=fair, code="A", name_fa="سالن", name_en="Hall", width=400, depth=40
    )
    units = {}
    serial = iter(range(900_000, 1_000_000))
    for key, spec in buyers.items():
        units[key] = Exhibitor.objects.create(
            legal_name=spec["name"],
            national_id=valid_national_id(next(serial)),
            category=_category(spec.get("isic"), known),
            county=hamedan,
            park=bu_ali,
        )
    for key, spec in suppliers.items():
        where = spec.get("where", "other")
        units[key] = Exhibitor.objects.create(
            legal_name=spec["name"],
            national_id=valid_national_id(next(serial)),
            category=_category(spec.get("isic"), known),
            **places.get(where, {"county": tehran}),
        )
    # Row one: buyers with the "next" suppliers between them, 3 m booths touching;
    # row two, 30 m away: the rest of the hall.
    row = [("b", k) for k in buyers]
    nexts = [k for k, s in suppliers.items() if s.get("where") == "next"]
    for i, key in enumerate(nexts):
        row.insert(min(2 * i + 1, len(row)), ("s", key))
    for x, (_kind, key) in enumerate(row):
        _booth(fair, hall, units[key], f"R-{x}", 3 * x, 0)
    halls = [k for k, s in suppliers.items() if s.get("where") == "hall"]
    for x, key in enumerate(halls):
        _booth(fair, hall, units[key], f"H-{x}", 6 * x, 30)
    by_key = {}
    for spec in products:
        by_key[spec["key"]] = Product.objects.create(
            exhibitor=units[spec["supplier"]],
            name=spec["name"][:120],
            description=spec.get("description", ""),
            category=_category(spec.get("category"), known),
        )
    for spec in needs:
        spec["pk"] = Need.objects.create(
            exhibitor=units[spec["buyer"]],
            name=spec["name"][:120],
            description=spec.get("description", ""),
            category=_category(spec.get("category"), known),
        ).pk
    engine.rematch()
    return fair, needs, by_key


def _dates():
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    return {
        "starts_on": today + datetime.timedelta(days=10),
        "ends_on": today + datetime.timedelta(days=12),
        "registration_opens_on": today - datetime.timedelta(days=10),
        "registration_closes_on": today + datetime.timedelta(days=5),
    }


def _booth(fair, hall, unit, code, x, y):
    booth = Booth.objects.create(fair=fair, hall=hall, code=code, x=x, y=y, width=3, height=3)
    Participation.objects.create(
        fair=fair, exhibitor=unit, booth=booth, status=Participation.Status.APPROVED
    )


def engine_rankings(fair, needs):
    """{need pk: [(product pk, proximity)]} as the engine stored them, best first."""
    found = defaultdict(list)
    rows = (
        Match.objects.filter(fair=fair, need__in=[n["pk"] for n in needs], product__isnull=False)
        .order_by("need", "-score", "product")
        .values_list("need", "product", "proximity")
    )
    for need, product, proximity in rows:
        found[need].append((product, proximity))
    return found


# -- The obvious peer ---------------------------------------------------------------


def ngrams(text):
    """Character 2- to 4-grams within the words of the normalized text, words marked
    at both ends."""
    found = Counter()
    for word in normalize(text).split():
        marked = f"<{word}>"
        for n in (2, 3, 4):
            for i in range(len(marked) - n + 1):
                found[marked[i : i + n]] += 1
    return found


def baseline_rankings(fair, needs, top=20):
    """{need pk: [(product pk, proximity)]}: TF-IDF over character n-grams of name and
    description, cosine similarity, no categories, no proximity, no threshold."""
    products = list(Product.objects.values_list("pk", "exhibitor_id", "name", "description"))
    grams = [ngrams(f"{name} {description}") for _pk, _u, name, description in products]
    frequency = Counter(g for found in grams for g in found)
    total = len(products)

    def vector(found):
        v = {
            g: (1 + math.log(c)) * math.log((1 + total) / (1 + frequency.get(g, 0)))
            for g, c in found.items()
        }
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {g: x / norm for g, x in v.items()}

    vectors = [vector(found) for found in grams]
    postings = defaultdict(list)
    for j, v in enumerate(vectors):
        for g, x in v.items():
            postings[g].append((j, x))
    proximity = _proximity(fair)
    result = {}
    for need in Need.objects.filter(pk__in=[n["pk"] for n in needs]).values_list(
        "pk", "exhibitor_id", "name", "description"
    ):
        pk, unit, name, description = need
        scores = defaultdict(float)
        for g, x in vector(ngrams(f"{name} {description}")).items():
            for j, y in postings.get(g, ()):
                scores[j] += x * y
        ranked = sorted(
            (-s, products[j][0], j) for j, s in scores.items() if products[j][1] != unit and s > 0
        )[:top]
        result[pk] = [(products[j][0], proximity(unit, products[j][1])) for _s, _p, j in ranked]
    return result


def _proximity(fair):
    places = Places.load()
    context = Context.of_fair(fair)

    def tier(a, b):
        index = scoring.tiers(np.array([a]), np.array([b]), places, context)[0]
        return scoring.TIERS[index].value

    return tier


# -- Figures -------------------------------------------------------------------------


def evaluate(needs, rankings, by_key, half=None):
    """The figures for one ranking over one half (or all needs)."""
    pk_of = {key: product.pk for key, product in by_key.items()}
    twins = _twins(by_key)
    figures = Counter()
    failures = []
    for need in needs:
        if half and need["half"] != half:
            continue
        relevant = {pk_of[k] for k in need["relevant"] if k in pk_of}
        ranked = rankings.get(need["pk"], [])
        products = [p for p, _t in ranked]
        figures["needs"] += 1
        best = bool(products) and products[0] in relevant
        figures["best_right"] += best
        figures["top3"] += bool(set(products[:3]) & relevant)
        precise = not (set(products[:3]) - relevant)
        figures["precise3"] += precise
        faulty = False
        for i, (a, tier_a) in enumerate(ranked):
            for b, tier_b in ranked[i + 1 :]:
                if tier_a == tier_b and a not in relevant and b in relevant:
                    faulty = True
        figures["tier_faults"] += faulty
        for i, (a, tier_a) in enumerate(ranked):
            for b, tier_b in ranked[i + 1 :]:
                twin = twins.get(a) is not None and twins.get(a) == twins.get(b)
                if twin and a in relevant and tier_a != tier_b:
                    figures["equal_pairs"] += 1
                    figures["nearer_first"] += TIER_ORDER.index(tier_a) < TIER_ORDER.index(tier_b)
        if not best or faulty or not precise:
            failures.append((need, ranked[:3]))
    return figures, failures


def _twins(by_key):
    """{product pk: twin group} for products identical in name, description and category."""
    groups = defaultdict(list)
    for product in by_key.values():
        groups[
            (normalize(product.name), normalize(product.description), product.category_id)
        ].append(product.pk)
    return {pk: key for key, pks in groups.items() if len(pks) > 1 for pk in pks}


def rates(figures):
    """The figures as shares of needs (and of equal pairs)."""
    n = figures["needs"] or 1
    pairs = figures["equal_pairs"] or 1
    return {
        "needs": figures["needs"],
        "best right": figures["best_right"] / n,
        "relevant in top 3": figures["top3"] / n,
        "no irrelevant in top 3": figures["precise3"] / n,
        "irrelevant above relevant, same tier": figures["tier_faults"] / n,
        "nearer first among equals": figures["nearer_first"] / pairs
        if figures["equal_pairs"]
        else 1.0,
    }
