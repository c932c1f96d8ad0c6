"""Matches never silently stale: a failed recompute is tried again, logged, and
shown to organizers; two booth assignments at once end with the fair's
matches as a full rematch gives them."""

import datetime
import logging
import threading

import pytest
from django.db import connection, connections  # noqa: F401 - connection: skipif
from django.urls import reverse
from django.utils import timezone

from accounts.testing import sign_in_staff
from exhibitors.tests.factories import category, make_exhibitor, make_need, make_product
from fairs import services as fair_services
from fairs.models import Participation
from fairs.tests.factories import (
    make_booth,
    make_fair,
    make_hall,
    make_organizer,
    make_participation,
)
from matching import engine, services
from matching.models import Match, Pending
from portal.lib import tasks as portal_tasks

pytestmark = pytest.mark.django_db


def broken(**kwargs):
    raise RuntimeError("the disk is full")


@pytest.fixture
def failing(monkeypatch, settings):
    settings.MATCHING_ATTEMPTS = 3
    monkeypatch.setattr(services, "refresh", broken)
    need = make_need(make_exhibitor(), name="چرم گاوی", category=category("1511"))
    Pending.objects.create(kind="need", key=need.pk)
    Pending.objects.create(kind="items", key=0)
    return need


def test_a_failed_recompute_is_logged_kept_with_its_error_and_tried_again_later(failing, caplog):
    with caplog.at_level(logging.ERROR, logger="matching.services"), pytest.raises(RuntimeError):
        services.recompute("items", 0)
    row = Pending.objects.get(kind="items")
    assert row.attempts == 1 and "the disk is full" in row.error
    assert "Recompute of items 0 failed (attempt 1 of 3); trying again" in caplog.text
    assert caplog.records[-1].levelno == logging.ERROR and caplog.records[-1].exc_info
    # The retry waits a minute (the test backend keeps delayed jobs).
    assert [tuple(job[2]) for job in portal_tasks.deferred] == [("items", 0)]
    assert portal_tasks.deferred[0][0] > timezone.now() + datetime.timedelta(seconds=50)


def test_after_the_last_attempt_it_waits_for_an_organizer_who_tries_it_again(
    failing, client, monkeypatch
):
    for _attempt in range(3):
        with pytest.raises(RuntimeError):
            services.recompute("items", 0)
    row = Pending.objects.get(kind="items")
    assert row.attempts == 3
    assert len(portal_tasks.deferred) == 2  # tried again twice, not a third time
    # The sweeper does not spin on it.
    Pending.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    portal_tasks.deferred.clear()
    # (the need's mark belongs to the given-up job: it waits with it)
    assert services.sweep() == 0 and portal_tasks.deferred == []
    # Organizers see it, with its error, and try it again once it is fixed.
    sign_in_staff(client, make_organizer())
    page = client.get(reverse("admin:matching_pending_changelist"), {"failed": "given-up"})
    assert page.status_code == 200 and "the disk is full" in page.content.decode()
    monkeypatch.undo()
    response = client.post(
        reverse("admin:matching_pending_changelist"),
        {"action": "try_again", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    assert not Pending.objects.filter(kind="items").exists()  # the job ran and took it


def test_a_stopped_worker_is_not_a_failed_attempt(failing, monkeypatch):
    def stopped(**kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(services, "refresh", stopped)
    with pytest.raises(KeyboardInterrupt):
        services.recompute("items", 0)
    assert Pending.objects.get(kind="items").attempts == 0
    assert portal_tasks.deferred == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_on_postgresql_two_booth_assignments_at_once_end_as_a_full_rematch():
    fair = make_fair(slug="both-at-once")
    hall = make_hall(fair, "A", width=40, depth=10)
    buyer = make_exhibitor(legal_name="کفش آزما")
    make_need(buyer, name="چرم گاوی", category=category("1511"))
    makers = []
    for i in range(2):
        maker = make_exhibitor(legal_name=f"دباغی {i}")
        make_product(maker, name="چرم گاوی", category=category("1511"))
        makers.append(make_participation(fair, maker))
    make_participation(fair, buyer, booth=make_booth(hall, "A-01", x=0))
    booths = [make_booth(hall, "A-02", x=3), make_booth(hall, "A-09", x=30)]
    engine.rematch()
    start = threading.Barrier(2)
    errors = []

    def assign(participation_pk, booth):
        try:
            start.wait(10)
            fair_services.assign_booth(
                participation=Participation.objects.get(pk=participation_pk), booth=booth
            )
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=assign, args=(p.pk, b)) for p, b in zip(makers, booths, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    # The jobs ran as the writes committed (the test backend runs them at once).
    assert not Pending.objects.exists()

    def stored():
        return sorted(
            Match.objects.filter(fair=fair).values_list(
                "need_id", "product_id", "proximity", "score"
            )
        )

    after_jobs = stored()
    engine.rematch(fair=fair)
    assert after_jobs == stored() and len(after_jobs) == 2
    tiers = dict(Match.objects.filter(fair=fair).values_list("product__exhibitor_id", "proximity"))
    assert tiers[makers[0].exhibitor_id] == "neighbour_booth"
