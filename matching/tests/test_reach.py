"""The bounds an update reads by (matching/reach.py) leave out no pair it could keep.

A random registry of real words, in the database: every pair's exact relevance
(scoring every pair that shares a word) is compared with what the SQL bounds
let through.
"""

import random

import numpy as np
import pytest

from exhibitors.models import Need, Product
from exhibitors.tests.factories import category, make_exhibitor, make_need, make_product
from matching import engine, reach, scoring
from matching.index import TOTAL, ProductIndex, Rarity, load_items
from matching.models import Match, NeedTerm, Term

pytestmark = pytest.mark.django_db

WORDS = (  # noqa: SIM905 (a word list reads better as text)
    "کارتن مقوا چاپی سفید لوله پلی‌اتیلن آبیاری ورق فولاد گالوانیزه چرم گاوی پارچه نخ "
    "رنگ چسب کیسه نایلون جعبه برش سنگ فوم اسفنج بسته‌بندی پنج لایه"
).split()
CODES = ["1702", "1709", "1701", "2220", "2410", "1511", "1311", "2022", "17", None]


@pytest.fixture
def registry():
    rng = random.Random(7)
    # Units of activities that buy from the products' divisions (the shipped
    # supply-chain map): their needs without a category are read in them.
    activities = ["1520", "3100", "1050", "2220", None, "1511"]
    units = [
        make_exhibitor(legal_name=f"واحد {n}", category=category(a) if a else None)
        for n, a in enumerate(activities)
    ]

    def text(low, high):
        return " ".join(rng.choices(WORDS[:14], k=rng.randint(low, high)) + rng.sample(WORDS, 1))

    made = set()
    for _ in range(120):
        code, unit, name = rng.choice(CODES), rng.choice(units), text(0, 3)
        if (unit.pk, name) in made:
            continue
        made.add((unit.pk, name))
        make_product(
            unit,
            name=name,
            description=text(0, 2) if rng.random() < 0.5 else "",
            category=category(code) if code else None,
        )
    for _ in range(40):
        code = rng.choice(CODES)
        make_need(rng.choice(units), name=text(0, 3), category=category(code) if code else None)
    engine.rematch()
    return units


def test_needs_without_a_category_are_read_in_their_units_divisions(registry):
    needs = load_items(Need.objects.all(), needs=True)
    read = [set(d) for c, d in zip(needs.codes, needs.read_in, strict=True) if not c]
    assert read and all(read)  # the registry has them, each with divisions
    pairs, _needs, _weights = exact_relevance()
    shares = {
        (n.pk, p.pk)
        for n in Need.objects.filter(category=None).select_related("exhibitor__category")
        for p in Product.objects.exclude(category=None).select_related("category")
        if n.exhibitor.category_id
        and int(p.category.code[:2]) in needs.read_in[needs.ids.tolist().index(n.pk)]
    }
    # Pairs the divisions give a category share to are among the bounds' tests.
    assert shares & set(pairs)


def exact_relevance():
    """{(need pk, product pk): relevance} of every pair that shares a word, and the needs."""
    needs = load_items(Need.objects.all(), needs=True)
    products = load_items(Product.objects.all())
    rarity = Rarity.from_table({t for found in needs.terms for t in found})
    weights = scoring.need_weights(needs, rarity)
    index = ProductIndex(products, narrow=False)
    need_pos, product_pos, rel = scoring.relevance(needs, index, weights, 0.0)
    pairs = {
        (int(needs.ids[n]), int(products.ids[p])): r
        for n, p, r in zip(need_pos.tolist(), product_pos.tolist(), rel.tolist(), strict=True)
    }
    return pairs, needs, weights


def test_a_refreshed_need_reads_every_product_that_can_reach_its_floor(registry):
    pairs, needs, weights = exact_relevance()
    read = tried = 0
    for floor in (0.3, 0.5, 0.7, 0.9):
        for i, need in enumerate(needs.ids.tolist()):
            reaching = {p for (n, p), r in pairs.items() if n == need and r >= floor}
            found = set(
                reach.within_reach(needs.take([i]), [weights[i]], [floor]).values_list(
                    "pk", flat=True
                )
            )
            assert reaching <= found, (floor, need, reaching - found)
            read += len(found)
            tried += len({p for n, p in pairs if n == need})
    # It reads less than every product that shares a word with the need.
    assert read < tried / 2


def test_a_new_product_reaches_every_need_whose_bar_it_can_pass(registry):
    pairs, _needs, _weights = exact_relevance()
    bars = dict(NeedTerm.objects.values_list("need_id", "bar"))
    for product in Product.objects.all():
        passing = {n for (n, p), r in pairs.items() if p == product.pk and r >= bars.get(n, 2)}
        found = set(reach.candidate_needs(load_items(Product.objects.filter(pk=product.pk))))
        assert passing <= {need.pk for need in found}, (product.pk, passing)
    everything = load_items(Product.objects.all())
    assert reach.candidate_needs(everything).count() <= Need.objects.count()


def test_a_needs_bar_is_its_best_less_close_to_best(registry):
    checked = 0
    for need in Need.objects.all():
        bars = set(NeedTerm.objects.filter(need=need).values_list("bar", flat=True))
        if not bars:
            continue
        best = max(
            Match.objects.filter(need=need, fair__isnull=True).values_list("relevance", flat=True),
            default=0,
        )
        assert len(bars) == 1
        assert bars.pop() == pytest.approx(max(scoring.MIN_RELEVANCE, best - scoring.CLOSE_TO_BEST))
        checked += 1
    assert checked > 20


def test_the_heads_terms_and_the_others_are_rows_of_their_own():
    unit = make_exhibitor()
    make_product(unit, name="کارتن مقوا", category=category("1702"))
    need = make_need(make_exhibitor(), name="کارتن مقوا چاپی", category=category("1709"))
    engine.rematch()
    rows = {
        (t, h): w
        for t, h, w in NeedTerm.objects.filter(need=need).values_list("term", "head", "weight")
    }
    assert rows[("کارتن", True)] == pytest.approx(scoring.HEAD_SHARE)
    assert ("مقوا", False) in rows and ("چاپ", False) in rows
    others = sum(w for (_t, head), w in rows.items() if not head)
    assert others == pytest.approx(1 - scoring.HEAD_SHARE)
    assert set(NeedTerm.objects.filter(need=need).values_list("code", flat=True)) == {"1709"}


def test_a_second_look_finds_what_the_first_floor_left_out():
    """A need whose best is weak (the bare head, no category in common) is
    matched from a lower floor than the first."""
    buyer, far = make_exhibitor(), make_exhibitor()
    make_product(far, name="کارتن", category=category("2220"))
    make_product(far, name="لوله آبیاری", category=category("2220"))
    need = make_need(buyer, name="کارتن مقوا سفید", category=category("1702"))
    engine.refresh_needs([need.pk])
    stored = Match.objects.get(need=need, fair__isnull=True)
    assert stored.product.name == "کارتن"
    assert scoring.MIN_RELEVANCE <= stored.relevance < engine.FIRST_FLOOR
    bars = NeedTerm.objects.filter(need=need).values_list("bar", flat=True)
    assert list(bars) and all(bar == pytest.approx(scoring.MIN_RELEVANCE) for bar in bars)


def test_the_term_table_keeps_the_product_total():
    unit = make_exhibitor()
    make_product(unit, name="کارتن مقوا")
    assert Rarity.from_table({"کارتن"}).total == 1  # no rematch yet: counted
    engine.rematch()
    assert Term.objects.get(term=TOTAL).products == 1
    product = make_product(unit, name="ورق فولاد")
    engine.offer_products([product.pk], created=True)
    assert Term.objects.get(term=TOTAL).products == 2
    assert Rarity.from_table({"ورق"}).total == 2


def test_odd_needs_read_nothing_rather_than_everything(registry):
    unit = make_exhibitor()
    odd = [make_need(unit, name=name) for name in ["و از به", "ب", "۱۲۳۴", "xq zz", "<b>x</b>"]]
    long = make_need(unit, name=" ".join(["كارتن"] * 20))  # Arabic letters, 119 characters

    def reached(needs):
        needs = load_items(Need.objects.filter(pk__in=[n.pk for n in needs]), needs=True)
        rarity = Rarity.from_table({t for found in needs.terms for t in found})
        weights = scoring.need_weights(needs, rarity)
        return list(reach.within_reach(needs, weights, np.full(len(needs), 0.3)))

    assert reached(odd) == []
    found = reached([long])
    # Cartons, and what the lexicon says a carton is («جعبه مقوایی»).
    assert found and all(
        any(w in p.search_text for w in ("کارتن", "مقوا", "جعب")) for p in found
    ), [p.search_text for p in found]
    assert len(found) < Product.objects.count()


def test_the_bounds_hold_after_the_registry_doubles_between_rematches(registry):
    """Stored weights and bars date from the last rematch. New products move the
    term counts (their words grow commoner, the others rarer by comparison)
    until the nightly rematch: the bounds must still let every pair through."""
    rng = random.Random(11)
    before = dict(Term.objects.values_list("term", "products"))
    names = set(Product.objects.values_list("exhibitor_id", "name"))
    for _round in range(4):
        made = []
        for _n in range(40):
            # Skewed: most new products share a few words, so counts move a lot.
            words = rng.choices(WORDS[:3], k=rng.randint(1, 2)) + rng.sample(WORDS[3:], 1)
            unit = rng.choice(registry)
            if (unit.pk, " ".join(words)) in names:
                continue
            names.add((unit.pk, " ".join(words)))
            made.append(
                make_product(
                    unit,
                    name=" ".join(words),
                    description=" ".join(rng.sample(WORDS, 2)),
                    category=category(rng.choice(CODES[:-1])),
                ).pk
            )
        engine.offer_products(made, created=True)
    after = dict(Term.objects.values_list("term", "products"))
    assert int(after[TOTAL]) > 2 * int(before[TOTAL])
    pairs, _needs, _weights = exact_relevance()
    bars = dict(NeedTerm.objects.values_list("need_id", "bar"))
    missed = []
    for product in Product.objects.all():
        passing = {n for (n, p), r in pairs.items() if p == product.pk and r >= bars.get(n, 2)}
        found = {
            n.pk for n in reach.candidate_needs(load_items(Product.objects.filter(pk=product.pk)))
        }
        missed += [(product.pk, n) for n in passing - found]
    assert not missed


def test_an_update_asks_for_a_rematch_once_the_registry_outgrew_the_stored_weights(registry):
    from matching import services
    from matching.index import STALE_GROWTH, WEIGHED

    def totals():
        return dict(Term.objects.filter(term__in=[TOTAL, WEIGHED]).values_list("term", "products"))

    weighed = totals()[WEIGHED]
    assert totals() == {TOTAL: weighed, WEIGHED: weighed} and weighed == Product.objects.count()
    unit = make_exhibitor()

    def add(n, start):
        made = [
            make_product(unit, name=f"کارتن مقوا {i}", category=category("1702")).pk
            for i in range(start, start + n)
        ]
        services.refresh(products=made, created=made)

    below = int(weighed * (STALE_GROWTH - 1))
    add(below, 0)
    # A little growth: counted, the weights left as they are.
    assert totals() == {TOTAL: weighed + below, WEIGHED: weighed}
    add(2, below)
    # Past it: a full rematch (the test's jobs run at once) weighs everything anew.
    everything = Product.objects.count()
    assert totals() == {TOTAL: everything, WEIGHED: everything}
    assert NeedTerm.objects.filter(term="کارتن").exists()


def test_a_size_is_read_however_the_product_typed_it():
    """A size is one term («4mm») that no product's search text holds as such: the
    bound looks for its number."""
    unit = make_exhibitor()
    names = ("ورق 4mm", "ورق ۴ میلیمتر", "ورق گالوانیزه ۴ میل", "ورق ۰.۴ میل", "ورق ۳ میل")
    for name in (*names, "ورق ۴ و ۶ میل", "ورق ۲ تا ۴ میل"):
        make_product(unit, name=name, category=category("2410"))
    make_need(make_exhibitor(), name="ورق ۴ میل", category=category("2410"))
    engine.rematch()
    pairs, needs, weights = exact_relevance()
    for floor in (0.5, 0.7, 0.9):
        reaching = {p for (_n, p), r in pairs.items() if r >= floor}
        found = set(reach.within_reach(needs, weights, [floor]).values_list("pk", flat=True))
        assert reaching <= found, floor
    four = {
        p.pk for p in Product.objects.filter(name__in=["ورق 4mm", "ورق ۴ میلیمتر", "ورق ۴ و ۶ میل"])
    }
    assert four <= {p for (_n, p), r in pairs.items() if r >= 0.9}


def test_a_unit_of_two_words_and_a_size_in_two_dimensions_are_read_however_typed():
    unit = make_exhibitor()
    for name in ("اینورتر ۲.۲ کیلو وات", "اینورتر 2.2kW", "اینورتر ۷.۵ کیلووات"):
        make_product(unit, name=name, category=category("2710"))
    for name in ("قوطی ۴۰ در ۴۰", "قوطی 40x40", "قوطی ۴۰*۴۰", "قوطی ۳۰ در ۳۰"):
        make_product(unit, name=name, category=category("2410"))
    # Decimals are no dimensions (a review found «۲ در ۰.۷۵» read as «2x»).
    for name in ("کابل افشان ۳ در ۱.۵", "کابل افشان ۲ در ۰.۷۵"):
        make_product(unit, name=name, category=category("2732"))
    make_need(make_exhibitor(), name="کابل افشان ۲ در ۰.۷۵", category=category("2732"))
    make_need(make_exhibitor(), name="اینورتر ۲.۲ کیلووات", category=category("2710"))
    make_need(make_exhibitor(), name="قوطی ۴۰ در ۴۰ ضخامت ۲ میل", category=category("2410"))
    engine.rematch()
    pairs, needs, weights = exact_relevance()
    for floor in (0.5, 0.7, 0.9):
        reaching = {p for (_n, p), r in pairs.items() if r >= floor}
        found = set(
            reach.within_reach(needs, weights, [floor] * len(needs)).values_list("pk", flat=True)
        )
        assert reaching <= found, floor
    name = dict(Product.objects.values_list("pk", "name"))
    relevance = {name[p]: r for (_n, p), r in pairs.items()}
    inverters = ("اینورتر ۲.۲ کیلو وات", "اینورتر 2.2kW")
    assert min(relevance[n] for n in inverters) > relevance["اینورتر ۷.۵ کیلووات"]
    boxes = ("قوطی ۴۰ در ۴۰", "قوطی 40x40")
    assert min(relevance[n] for n in boxes) > relevance["قوطی ۳۰ در ۳۰"]


def test_a_size_is_looked_for_as_typed_not_as_a_bare_number():
    """«%4%» would match every product with a 4 in it, and no trigram index serves it."""
    spellings = reach._searchable("4mm").split(reach.SPELLINGS)
    assert {"4mm", "4 میل"} <= set(spellings)
    assert all(len(s) >= 3 for s in spellings)
    assert reach._searchable("0.3mm").split(reach.SPELLINGS)[0] == "3mm"  # «0 3mm» holds it
    assert reach._searchable("کارتن") == "کارتن"


def test_a_need_with_a_low_bar_is_reached_by_a_product_without_its_head():
    """Only needs with their head among a product's terms are summed, and those
    whose bar a product without the head can still pass (HEADLESS)."""
    need = make_need(make_exhibitor(), name="کیسه برنج ده کیلویی", category=category("2220"))
    engine.rematch()  # nothing serves it: its bar is the floor
    bar = NeedTerm.objects.filter(need=need).values_list("bar", flat=True).first()
    assert bar <= scoring.HEADLESS
    product = make_product(
        make_exhibitor(), name="نایلون برنج ده کیلویی", category=category("2220")
    )
    pairs, _needs, _weights = exact_relevance()
    assert bar <= pairs[need.pk, product.pk] < scoring.HEADLESS  # passes without the head
    found = reach.candidate_needs(load_items(Product.objects.filter(pk=product.pk)))
    assert need in found
