"""Match recomputes as jobs: a write queues, at most one job waits per fair and
one for all changed needs and products, and one recompute runs at a time."""

import threading

import pytest
from django.db import connection, connections, transaction
from django_tasks import default_task_backend

from exhibitors.tests.factories import category, make_exhibitor, make_need, make_product
from fairs.tests.factories import make_fair
from matching import engine, services
from matching.models import Match, Pending

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(settings):
    """Jobs are kept, not run: the test sees what a write enqueued."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "matching"],
        }
    }
    return default_task_backend


def jobs(backend):
    return [(r.task.name, tuple(r.args), r.task.queue_name) for r in backend.results]


def test_a_write_queues_a_recompute_and_does_not_wait_for_it(queued):
    unit = make_exhibitor()
    need = make_need(unit, name="چرم گاوی", category=category("1511"))
    services.on_change(needs=[need.pk])
    assert jobs(queued) == [("recompute", ("items", 0), "matching")]
    assert set(Pending.objects.values_list("kind", "key")) == {("need", need.pk), ("items", 0)}
    assert not Match.objects.exists()


def test_many_writes_wait_in_one_job_per_fair_and_one_for_items(queued):
    unit = make_exhibitor()
    fair = make_fair()
    needs = [make_need(unit, name=f"پیچ {i}", category=category("2599")) for i in range(3)]
    for need in needs:
        services.on_change(needs=[need.pk])
        services.on_change(needs=[need.pk], fairs=[fair.pk])
    services.on_change(fairs=[fair.pk])
    assert sorted(jobs(queued)) == [
        ("recompute", ("fair", fair.pk), "matching"),
        ("recompute", ("items", 0), "matching"),
    ]
    assert Pending.objects.filter(kind="need").count() == 3


def test_the_job_takes_every_waiting_item_and_a_second_job_finds_nothing_to_do(queued):
    supplier, buyer = make_exhibitor(), make_exhibitor()
    make_product(supplier, name="چرم گاوی", category=category("1511"))
    need = make_need(buyer, name="چرم گاوی", category=category("1511"))
    services.on_change(needs=[need.pk])
    assert services.recompute("items", 0) == 1
    assert Match.objects.filter(need=need, product__isnull=False).exists()
    assert not Pending.objects.exists()
    before = list(Match.objects.values_list("pk", flat=True))
    assert services.recompute("items", 0) is None
    assert list(Match.objects.values_list("pk", flat=True)) == before


def test_a_write_while_a_job_runs_queues_the_next_one(queued):
    unit = make_exhibitor()
    first = make_need(unit, name="چرم گاوی", category=category("1511"))
    services.on_change(needs=[first.pk])
    real_refresh = services.refresh

    def refresh_and_meanwhile_write(**kwargs):
        second = make_need(unit, name="نخ نایلون", category=category("1394"))
        services.on_change(needs=[second.pk])
        real_refresh(**kwargs)

    services.refresh = refresh_and_meanwhile_write
    try:
        services.recompute("items", 0)
    finally:
        services.refresh = real_refresh
    assert jobs(queued) == [("recompute", ("items", 0), "matching")] * 2
    assert Pending.objects.filter(kind="need").count() == 1


def test_a_deletion_with_nothing_named_still_fills_the_gaps(queued):
    services.on_change()
    assert jobs(queued) == [("recompute", ("items", 0), "matching")]


def test_the_sweeper_enqueues_again_what_waits_too_long(queued):
    import datetime

    from django.utils import timezone

    services.on_change(everything=True)
    assert services.sweep() == 0
    Pending.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=11))
    assert services.sweep() == 1
    assert jobs(queued) == [("recompute", ("everything", 0), "matching")] * 2


# serialized_rollback: the flush after a transactional test would otherwise
# recreate content types that the next such test loads again (duplicates).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_on_postgresql_one_recompute_at_a_time_across_connections():
    held, release, tried = threading.Event(), threading.Event(), {}

    def hold():
        with engine.exclusive():
            held.set()
            release.wait(10)
        connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(10)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [engine._LOCK])
        tried["while held"] = cursor.fetchone()[0]
        release.set()
        thread.join(10)
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [engine._LOCK])
        tried["after"] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_advisory_unlock(%s)", [engine._LOCK])
    assert tried == {"while held": False, "after": True}


def test_marks_whose_job_was_lost_get_a_job_from_the_sweeper(queued):
    import datetime

    from django.utils import timezone

    unit = make_exhibitor()
    need = make_need(unit, name="چرم گاوی", category=category("1511"))
    Pending.objects.create(kind="need", key=need.pk)
    Pending.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=11))
    assert services.sweep() == 1
    assert jobs(queued) == [("recompute", ("items", 0), "matching")]


def test_a_recompute_that_fails_puts_back_what_it_took(queued, monkeypatch):
    unit = make_exhibitor()
    need = make_need(unit, name="چرم گاوی", category=category("1511"))
    services.on_change(needs=[need.pk])

    def broken(**kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "refresh", broken)
    with pytest.raises(RuntimeError):
        services.recompute("items", 0)
    assert set(Pending.objects.values_list("kind", "key")) == {("need", need.pk), ("items", 0)}


def test_the_lock_is_taken_again_inside_itself_without_waiting():
    with engine.exclusive(), engine.exclusive():
        assert engine._held.depth == 2
    assert engine._held.depth == 0


def test_a_chunked_rematch_drops_rows_of_a_product_deleted_while_it_ran(monkeypatch):
    from exhibitors.models import Product

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL rematches in one transaction; the deletion waits for it")
    supplier, buyer = make_exhibitor(), make_exhibitor()
    gone = make_product(supplier, name="چرم گاوی", category=category("1511"))
    kept = make_product(make_exhibitor(), name="چرم گاوی", category=category("1511"))
    need = make_need(buyer, name="چرم گاوی", category=category("1511"))
    real = engine._scored_blocks

    def delete_meanwhile(*args, **kwargs):
        Product.objects.filter(pk=gone.pk).delete()
        yield from real(*args, **kwargs)

    monkeypatch.setattr(engine, "_scored_blocks", delete_meanwhile)
    engine.rematch()
    products = set(Match.objects.filter(need=need).values_list("product_id", flat=True))
    assert products == {kept.pk}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rematch_for_many_changes_is_not_one_transaction_but_an_update_is(monkeypatch, queued):
    """A rematch commits chunk by chunk: inside one transaction it would hold
    SQLite's write lock for minutes, and the portal's writes would fail."""
    unit = make_exhibitor()
    needs = [make_need(unit, name=f"پیچ {i}", category=category("2599")) for i in range(3)]
    seen = {}

    def rematch(*args, **kwargs):
        seen["rematch"] = connection.in_atomic_block

    real_refresh_needs = engine.refresh_needs

    def refresh_needs(*args, **kwargs):
        seen["update"] = connection.in_atomic_block
        return real_refresh_needs(*args, **kwargs)

    monkeypatch.setattr(engine, "rematch", rematch)
    monkeypatch.setattr(engine, "refresh_needs", refresh_needs)
    monkeypatch.setattr(services, "REFRESH_LIMIT", 2)
    services.on_change(needs=[n.pk for n in needs])
    assert services.recompute("items", 0) == 3
    assert seen == {"rematch": False}
    services.on_change(needs=[needs[0].pk])
    assert services.recompute("items", 0) == 1
    assert seen == {"rematch": False, "update": True}
    assert not Pending.objects.exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_on_postgresql_the_swap_waits_for_a_reader_in_tries_not_in_one_queue(monkeypatch):
    """A reader holding the match table (a backup, a long page) makes each try
    to lock it give up after LOCK_TRY; between tries other readers get in.
    When it is done, the swap goes on."""
    import time as clock

    import psycopg

    from matching import tables

    monkeypatch.setattr(tables, "LOCK_PAUSE", 0.05)
    monkeypatch.setattr(tables, "LOCK_TRIES", 3)
    settings = connection.settings_dict
    where = {"dbname": settings["NAME"], "user": settings["USER"], "host": settings["HOST"]}
    where.update(port=settings["PORT"], password=settings["PASSWORD"])
    reader = psycopg.connect(**{key: value for key, value in where.items() if value})
    reader.execute("SELECT count(*) FROM matching_match")  # holds its lock until it ends
    tries = []
    real_execute = connection.cursor().__class__.execute

    def counted(self, sql, params=None):
        if sql.startswith("LOCK TABLE"):
            tries.append(clock.monotonic())
        return real_execute(self, sql, params)

    monkeypatch.setattr(connection.cursor().__class__, "execute", counted)
    threading.Timer(2.5, reader.rollback).start()
    started = clock.monotonic()
    with transaction.atomic():
        tables._lock(["matching_match"])
    assert len(tries) == 4  # three tries of LOCK_TRY, then it waits its turn
    assert clock.monotonic() - started >= 2.4
    reader.close()
