"""Keeping matches current: incremental updates agree with a full rematch."""

import datetime
import os
from concurrent.futures.process import BrokenProcessPool

import pytest
from django.db import connection, transaction

from exhibitors.models import Need, Product
from exhibitors.tests.factories import category, hamedan, make_exhibitor, make_need, park
from exhibitors.tests.factories import make_product as product_of
from fairs.tests.factories import make_booth, make_fair, make_hall, make_participation
from matching import engine, index, scoring, services, tables
from matching.explain import explain_many
from matching.models import Match, NeedTerm, Proximity, Term

pytestmark = pytest.mark.django_db


def snapshot():
    rows = Match.objects.values_list("need_id", "product_id", "fair_id", "proximity", "score")
    return sorted(rows, key=lambda row: (row[0], row[1], row[2] or 0))


@pytest.fixture
def world():
    buyer = make_exhibitor(legal_name="کفش‌دوزی", county=hamedan(), park=park())
    near = make_exhibitor(legal_name="چرم همسایه", county=hamedan(), park=park())
    far = make_exhibitor(legal_name="چرم ملایر", county=hamedan("ملایر"))
    for unit in (near, far):
        product_of(unit, name="چرم گاوی", category=category("1511"), description="رویه کفش")
    product_of(far, name="کارتن پنج لایه", category=category("1702"))
    need = make_need(buyer, name="چرم گاوي", category=category("1511"))
    fair = make_fair()
    hall = make_hall(fair)
    make_participation(fair, buyer, booth=make_booth(hall, "A-01"))
    make_participation(fair, near, booth=make_booth(hall, "A-02", x=3))
    engine.rematch()
    return {"buyer": buyer, "near": near, "far": far, "need": need, "fair": fair}


def test_a_full_rematch_stores_each_need_in_each_context(world):
    rows = Match.objects.filter(need=world["need"])
    assert {(m.product.exhibitor_id, m.fair_id, m.proximity) for m in rows} == {
        (world["near"].pk, None, Proximity.SAME_PARK),
        (world["far"].pk, None, Proximity.SAME_PROVINCE),
        (world["near"].pk, world["fair"].pk, Proximity.NEIGHBOUR_BOOTH),
        (world["far"].pk, world["fair"].pk, Proximity.SAME_PROVINCE),
    }
    assert Term.objects.get(term="چرم").products == 2


def test_a_new_need_and_a_new_product_give_what_a_full_rematch_gives(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        need = make_need(world["buyer"], name="كارتن پنج لايه", category=category("1702"))
        services_changed(needs=[need.pk])
        product = product_of(world["near"], name="کارتن پنج‌لایه", category=category("1702"))
        services_changed(products=[product.pk])
    incremental = snapshot()
    assert Match.objects.filter(need=need, product=product).exists()
    engine.rematch()
    assert snapshot() == incremental


def test_a_changed_unit_place_and_a_deleted_product_are_followed(
    world, django_capture_on_commit_callbacks
):
    far = world["far"]
    with django_capture_on_commit_callbacks(execute=True):
        far.county, far.park = hamedan(), park()
        far.save()
        services_changed(units=[far.pk])
    row = Match.objects.get(need=world["need"], product__exhibitor=far, fair__isnull=True)
    assert row.proximity == Proximity.SAME_PARK
    with django_capture_on_commit_callbacks(execute=True):
        world["near"].products.all().delete()
        services_changed(products=[])
    assert not Match.objects.filter(product__isnull=True).exists()
    assert not Match.objects.filter(product__exhibitor=world["near"]).exists()
    incremental = snapshot()
    engine.rematch()
    assert snapshot() == incremental


def test_a_booth_assignment_moves_the_fair_context(world, django_capture_on_commit_callbacks):
    from fairs import services as fair_services

    far = world["far"]
    participation = make_participation(world["fair"], far)
    booth = make_booth(world["fair"].halls.get(), "A-09", x=30)
    with django_capture_on_commit_callbacks(execute=True):
        fair_services.assign_booth(participation=participation, booth=booth)
    row = Match.objects.get(need=world["need"], product__exhibitor=far, fair=world["fair"])
    assert row.proximity == Proximity.SAME_HALL


def test_only_the_best_are_kept_per_need_and_context(world, django_capture_on_commit_callbacks):
    makers = [make_exhibitor() for _ in range(25)]
    with django_capture_on_commit_callbacks(execute=True):
        for unit in makers:
            product = product_of(unit, name="چرم گاوی", category=category("1511"))
            services_changed(products=[product.pk])
    assert Match.objects.filter(need=world["need"], fair__isnull=True).count() == scoring.TOP


def services_changed(**what):
    from portal.lib import changes

    changes.changed(**what)


def test_the_handler_is_registered():
    from portal.lib import changes

    assert services.on_change in changes._listeners


def test_many_terms_at_once_do_not_overflow_sqlite(world):
    """SQLite refuses an expression deeper than 1,000: the term queries come in chunks."""
    words = " ".join(f"واژه{n}" for n in range(4000))
    needs = [
        make_need(
            world["buyer"],
            name=f"چرم گاوی {i}",
            category=category("1511"),
            description=words[i * 2000 : i * 2000 + 1999],
        )
        for i in range(10)
    ]
    engine.refresh_needs([n.pk for n in needs])
    # Thousands of rare words dilute the name, but the ISIC class still matches.
    assert Match.objects.filter(need__in=needs, fair__isnull=True).count() == 20


def test_an_edited_product_is_not_counted_twice(world, django_capture_on_commit_callbacks):
    before = Term.objects.get(term="چرم").products
    product = world["near"].products.get()
    with django_capture_on_commit_callbacks(execute=True):
        product.description = "رویه کفش مردانه"
        product.save()
        services_changed(products=[product.pk])
    assert Term.objects.get(term="چرم").products == before
    with django_capture_on_commit_callbacks(execute=True):
        new = product_of(world["near"], name="چرم بز", category=category("1511"))
        services_changed(products=[new.pk], created=True)
    assert Term.objects.get(term="چرم").products == before + 1


def test_the_demo_comes_with_its_matches(django_capture_on_commit_callbacks):
    from portal import demo

    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(create_accounts=False)
    from exhibitors.models import Need

    matched = Match.objects.filter(fair__isnull=True).values("need").distinct().count()
    assert (
        matched >= 0.6 * Need.objects.count()
    )  # the demo is built so that units supply each other
    assert Match.objects.filter(proximity=Proximity.NEIGHBOUR_BOOTH).exists()


def test_a_units_first_product_of_a_kind_reweighs_its_own_needs(
    django_capture_on_commit_callbacks,
):
    """Own kind depends on what the unit makes: need first, then the unit's product."""
    shoemaker = make_exhibitor(category=category("1520"))
    # Its head is not the need's («زیره کفش مردانه» for «زیره کفش» would be the
    # thing asked for, whatever its class): the class alone says own kind.
    soles = product_of(make_exhibitor(), name="چرم رویه کفش", category=category("1520"))
    engine.rematch()  # the term table counts it: updates weigh as a rematch does
    with django_capture_on_commit_callbacks(execute=True):
        need = make_need(shoemaker, name="رویه کفش چرمی", category=category("1520"))
        services_changed(needs=[need.pk])
    before = Match.objects.get(need=need, product=soles, fair__isnull=True).relevance
    with django_capture_on_commit_callbacks(execute=True):
        shoes = product_of(shoemaker, name="کفش مردانه", category=category("1520"))
        services_changed(products=[shoes.pk], created=True)
    after = Match.objects.get(need=need, product=soles, fair__isnull=True).relevance
    assert after > before  # soles are no longer taken for what it makes
    incremental = snapshot()
    engine.rematch()
    assert snapshot() == incremental


def test_a_rematch_in_forked_workers_stores_what_one_process_stores(world, monkeypatch):
    for i, name in enumerate(["چرم گاوی رویه", "کارتن سه لایه", "چرم بزی", "چسب کفش"]):
        make_need(world["far"], name=f"{name} {i}", category=category("1511"))
        make_need(world["buyer"], name=name, category=None)
    monkeypatch.setattr(engine, "NEEDS_PER_BLOCK", 2)
    monkeypatch.setattr(index, "READ_CHUNK", 2)
    engine.rematch(workers=1)
    alone = snapshot()
    terms = sorted(NeedTerm.objects.values_list("need_id", "term", "weight", "head", "bar"))
    forked = []
    real_context = engine.multiprocessing.get_context

    def get_context(method):
        forked.append(method)
        return real_context(method)

    monkeypatch.setattr(engine.multiprocessing, "get_context", get_context)
    Match.objects.all().delete()
    engine.rematch(workers=2)
    # The products' words, then both contexts: no fair, and the fair.
    assert forked == ["fork", "fork", "fork"]
    assert snapshot() == alone
    assert sorted(NeedTerm.objects.values_list("need_id", "term", "weight", "head", "bar")) == terms
    assert len(alone) >= 6


def test_refreshed_needs_settled_narrowly_or_not_match_a_full_rematch(world):
    from matching.index import Places, ProductIndex, Rarity, load_items

    product_of(world["near"], name="کارتن سه لایه چاپی", category=category("1702"))
    product_of(world["far"], name="چسب کارتن", category=category("2029"))
    product_of(world["far"], name="کارتن", category=None)
    needs = [
        make_need(world["buyer"], name="کارتن سه لایه", category=category("1702")),  # settled
        make_need(world["buyer"], name="کارتن", category=None),  # no kind named
        make_need(world["buyer"], name="کارتن مادر صادراتی", category=None),  # a weak best
    ]
    engine.rematch()
    full = snapshot()
    loaded = load_items(Need.objects.filter(pk__in=[n.pk for n in needs]), needs=True)
    products = load_items(Product.objects.all())
    done = scoring.narrowly_done(
        loaded, ProductIndex(products), Rarity.of_products(products), Places.load()
    )
    assert done.any() and not done.all()
    Match.objects.filter(need__in=needs).delete()
    engine.refresh_needs([n.pk for n in needs])
    assert snapshot() == full
    assert Match.objects.filter(need__in=needs).count() >= 3


def test_a_need_without_a_category_settles_in_one_look_when_its_best_is_close_to_its_most(
    world, monkeypatch
):
    """It can reach WORD_WEIGHT at most (outside the divisions it is read in): a
    best close to that leaves nothing for a second look at every product with
    its head, and what it keeps is what a rematch keeps."""
    for i in range(12):
        product_of(world["far"], name=f"کارتن رنگی {i} لایه", category=category("1702"))
    product_of(world["near"], name="کارتن کرافت", category=None)
    need = make_need(world["buyer"], name="کارتن کرافت", category=None)
    engine.rematch()
    full = snapshot()
    floors = []
    within_reach = engine.reach.within_reach

    def recorded(needs, weights, needed):
        floors.append(list(needed))
        return within_reach(needs, weights, needed)

    monkeypatch.setattr(engine.reach, "within_reach", recorded)
    Match.objects.filter(need=need).delete()
    engine.refresh_needs([need.pk])
    assert snapshot() == full
    assert floors == [[pytest.approx(scoring.WORD_WEIGHT - scoring.CLOSE_TO_BEST)]]
    assert Match.objects.filter(need=need, product__name="کارتن کرافت").exists()


def test_a_need_with_no_match_keeps_its_best_weak_pair_until_a_match_comes(
    world, django_capture_on_commit_callbacks
):
    """Nothing at MIN_RELEVANCE: the best pair from FLOOR is kept, alone ("may be
    worth a look"); a real match that comes later replaces it, and updates keep
    what a full rematch keeps."""
    stone = category("0810")
    quarry = make_exhibitor(legal_name="معدن سنگ", county=hamedan())
    other = make_exhibitor(legal_name="معدن دیگر", county=hamedan())
    with django_capture_on_commit_callbacks(execute=True):
        # «اسلب», a slab, is named by another word: no word of the head in common.
        block = product_of(quarry, name="بلوک مرمریت کرم دهبید", category=stone)
        product_of(other, name="بلوک مرمریت سفید", category=stone)
        need = make_need(world["buyer"], name="اسلب مرمریت", category=stone)
        services_changed(needs=[need.pk])
    weak = Match.objects.filter(need=need, fair__isnull=True)
    assert weak.count() == 1
    (row,) = weak
    assert scoring.FLOOR <= row.relevance < scoring.MIN_RELEVANCE
    assert row.product.name.startswith("بلوک مرمریت")
    incremental = snapshot()
    engine.rematch()
    assert snapshot() == incremental
    with django_capture_on_commit_callbacks(execute=True):
        match = product_of(other, name="اسلب مرمریت", category=stone)
        services_changed(products=[match.pk])
    rows = Match.objects.filter(need=need, fair__isnull=True)
    assert [m.product_id for m in rows] == [match.pk]
    assert rows.get().relevance >= scoring.MIN_RELEVANCE
    assert not Match.objects.filter(need=need, product=block).exists()
    incremental = snapshot()
    engine.rematch()
    assert snapshot() == incremental


def test_the_thing_named_with_another_of_the_needs_words_is_worth_a_look(
    world, django_capture_on_commit_callbacks
):
    """A carton that says another kind of carton («۵ لایه») is no match for
    «کارتن بسته بندی», but one that shares a word of the need beside its head
    («چاپ», in its description) is worth a look; a carton with nothing else in
    common is not. Updates keep what a full rematch keeps."""
    board = category("1702")
    printer = make_exhibitor(legal_name="کارتن سازی الوند", county=hamedan())
    plain = make_exhibitor(legal_name="کارتن سازی دیگر", county=hamedan())
    with django_capture_on_commit_callbacks(execute=True):
        printed = product_of(
            printer, name="کارتن ۵ لایه", description="چاپ فلکسو تا ۳ رنگ", category=board
        )
        bare = product_of(plain, name="کارتن ۳ لایه سفارشی", category=board)
        need = make_need(
            world["buyer"],
            name="کارتن بسته بندی",
            description="برای لیوان و بشقاب، چاپ لوگو",
            category=board,
        )
        services_changed(needs=[need.pk])
    rows = list(Match.objects.filter(need=need, fair__isnull=True))
    assert [m.product_id for m in rows] == [printed.pk]
    assert scoring.FLOOR <= rows[0].relevance < scoring.MIN_RELEVANCE
    explained = {e.product.pk: e for e in explain_many(need, [printed, bare])}
    assert explained[printed.pk].worth_a_look and not explained[bare.pk].worth_a_look
    assert scoring.FLOOR <= explained[bare.pk].relevance < scoring.MIN_RELEVANCE
    engine.rematch()
    full = snapshot()
    assert Match.objects.filter(need=need, product=printed).exists()
    Match.objects.filter(need=need).delete()
    engine.refresh_needs([need.pk])
    assert snapshot() == full


def _table_shape(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1", [table]
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, contype FROM pg_constraint WHERE conrelid = %s::regclass ORDER BY 1",
            [table],
        )
        return indexes, cursor.fetchall(), connection.introspection.get_sequences(cursor, table)


def test_a_full_rematch_keeps_a_past_fairs_matches_and_never_reuses_an_id(world):
    fair = world["fair"]
    past = list(Match.objects.filter(fair=fair).values_list("pk", "need_id", "product_id"))
    assert past
    highest = max(Match.objects.values_list("pk", flat=True))
    # The fair is over: a full rematch no longer computes its context, and
    # match_report still reads what it stored.
    type(fair).objects.filter(pk=fair.pk).update(
        registration_opens_on=datetime.date(2019, 12, 1),
        registration_closes_on=datetime.date(2019, 12, 20),
        starts_on=datetime.date(2020, 1, 1),
        ends_on=datetime.date(2020, 1, 3),
    )
    engine.rematch()
    assert list(Match.objects.filter(fair=fair).values_list("pk", "need_id", "product_id")) == past
    fresh = Match.objects.filter(fair__isnull=True)
    assert fresh.count() == 2
    # A page's link from before names no other match.
    assert min(fresh.values_list("pk", flat=True)) > highest


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_on_postgresql_a_full_rematch_swaps_in_tables_of_the_same_shape(world):
    shapes = {table: _table_shape(table) for table in ("matching_match", "matching_needterm")}
    engine.rematch()
    for table, shape in shapes.items():
        assert _table_shape(table) == shape
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE %s", ["%\\_fresh%"])
        assert cursor.fetchone()[0] == 0
    assert Match.objects.filter(need=world["need"]).count() == 4
    # Pending work is written to the new tables as to the old.
    with transaction.atomic():
        need = make_need(world["buyer"], name="چرم گاوی رویه", category=category("1511"))
        engine.refresh_needs([need.pk])
    assert Match.objects.filter(need=need).count() == 4


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_on_postgresql_a_table_with_foreign_keys_is_never_swapped(world):
    with pytest.raises(ValueError, match="foreign keys"):
        tables.Fresh("exhibitors_product")


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_on_postgresql_a_write_to_a_past_fairs_match_during_a_rematch_is_kept(world, monkeypatch):
    fair = world["fair"]
    type(fair).objects.filter(pk=fair.pk).update(
        registration_opens_on=datetime.date(2019, 12, 1),
        registration_closes_on=datetime.date(2019, 12, 20),
        starts_on=datetime.date(2020, 1, 1),
        ends_on=datetime.date(2020, 1, 3),
    )
    gone, *kept = Match.objects.filter(fair=fair).order_by("pk").values_list("pk", flat=True)
    real = engine._scored_blocks

    def deleted_meanwhile(*args, **kwargs):
        # A unit's "not relevant" while the rematch scores: its row goes.
        Match.objects.filter(pk=gone).delete()
        yield from real(*args, **kwargs)

    monkeypatch.setattr(engine, "_scored_blocks", deleted_meanwhile)
    engine.rematch()
    assert list(Match.objects.filter(fair=fair).order_by("pk").values_list("pk", flat=True)) == kept


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_on_postgresql_a_view_on_a_table_keeps_it_from_being_swapped(world):
    with connection.cursor() as cursor:
        cursor.execute("CREATE VIEW best_matches AS SELECT * FROM matching_match WHERE score > 0.5")
    with pytest.raises(ValueError, match="views"):
        engine.rematch()
    assert Match.objects.filter(need=world["need"]).count() == 4


def _killed(block, job=None):
    os._exit(9)  # as the kernel's out-of-memory killer would end a worker


def test_a_rematch_whose_worker_dies_fails_instead_of_waiting_forever(world, monkeypatch):
    make_need(world["far"], name="چرم گاوی رویه", category=category("1511"))
    monkeypatch.setattr(engine, "NEEDS_PER_BLOCK", 1)
    before = snapshot()
    monkeypatch.setattr(engine, "_score_block", _killed)
    with pytest.raises(BrokenProcessPool):
        engine.rematch(workers=2)
    assert snapshot() == before


@pytest.mark.django_db
def test_a_fairs_context_follows_its_booths_and_holders_even_behind_the_caches_back():
    from fairs.models import Booth, Participation

    fair = make_fair()
    hall = make_hall(fair)
    a, b = make_booth(hall, "A1", x=0), make_booth(hall, "A2", x=3)
    c = make_booth(hall, "A3", x=20)
    first = make_participation(fair, booth=a).exhibitor_id
    second = make_participation(fair, booth=b).exhibitor_id
    applied = make_participation(fair, status=Participation.Status.APPLIED)
    third = applied.exhibitor_id

    def seen():
        context = index.Context.of_fair(fair)
        pairs = {(int(k) >> 32, int(k) & 0xFFFFFFFF) for k in context.neighbour_keys}
        return set(context.units), context.hall, pairs

    units, halls, pairs = seen()
    assert units == {first, second}
    assert halls == {first: hall.pk, second: hall.pk}
    assert pairs == {(first, second), (second, first)}
    assert seen() == (units, halls, pairs)  # the second time from the cache
    # Writes that send no signal: the cache must not hide them.
    Booth.objects.filter(pk=b.pk).update(x=30)
    assert seen()[2] == set()
    Participation.objects.filter(pk=applied.pk).update(status=Participation.Status.APPROVED)
    assert seen()[0] == {first, second, third}
    Participation.objects.filter(pk=applied.pk).update(booth=c)
    assert seen()[1][third] == hall.pk
    Booth.objects.filter(pk=c.pk).update(x=26)
    assert seen()[2] == {(second, third), (third, second)}
    Participation.objects.filter(pk=applied.pk).update(booth=None)
    units, halls, pairs = seen()
    assert third in units and third not in halls and pairs == set()


@pytest.mark.django_db
def test_a_context_read_while_its_fair_changed_is_not_cached(monkeypatch):
    from django.core.cache import cache

    fair = make_fair()
    make_participation(fair, booth=make_booth(make_hall(fair), "A1"))
    digests = iter(["before", "after", "after", "after"])
    monkeypatch.setattr(index, "_layout_digest", lambda _fair: next(digests))
    index.Context.of_fair(fair)  # keyed "before", read when it was "after"
    assert cache.get(f"matching:context:{fair.pk}:before") is None
    index.Context.of_fair(fair)  # keyed and read "after"
    assert cache.get(f"matching:context:{fair.pk}:after") is not None
