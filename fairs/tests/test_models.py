import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from fairs.models import Booth, Fair, Participation
from fairs.tests.factories import make_booth, make_fair, make_hall, make_participation

pytestmark = pytest.mark.django_db


def rejects(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_booth_codes_are_unique_per_fair_but_not_across_fairs():
    hall = make_hall(make_fair())
    make_booth(hall, "A-01")
    rejects(lambda: make_booth(hall, "A-01", x=10))
    other = make_hall(make_fair())
    assert make_booth(other, "A-01").pk


def test_one_participation_per_fair_and_exhibitor():
    first = make_participation(make_fair())
    rejects(lambda: make_participation(first.fair, exhibitor=first.exhibitor))


def test_a_booth_holds_at_most_one_participation():
    fair = make_fair()
    booth = make_booth(make_hall(fair), "A-01")
    make_participation(fair, booth=booth)
    rejects(lambda: make_participation(fair, booth=booth))


def test_only_an_approved_participation_holds_a_booth():
    fair = make_fair()
    booth = make_booth(make_hall(fair), "A-01")
    rejects(lambda: make_participation(fair, booth=booth, status=Participation.Status.APPLIED))


@pytest.mark.parametrize(
    "fields",
    [
        {"ends_on": datetime.date(2026, 1, 1), "starts_on": datetime.date(2026, 1, 2)},
        {
            "registration_opens_on": datetime.date(2026, 1, 5),
            "registration_closes_on": datetime.date(2026, 1, 4),
        },
        {"registration_closes_on": datetime.date(2099, 1, 1)},
    ],
)
def test_fair_dates_must_be_in_order(fields):
    rejects(lambda: make_fair(**fields))


@pytest.mark.parametrize("size", [{"width": 0}, {"height": -1}])
def test_booth_sizes_must_be_positive(size):
    hall = make_hall(make_fair())
    rejects(lambda: make_booth(hall, "A-01", **size))


def test_hall_sizes_must_be_positive():
    rejects(lambda: make_hall(make_fair(), width=0))


def test_full_clean_reports_constraints_as_messages_not_crashes():
    fair = make_fair()
    booth = make_booth(make_hall(fair), "A-01")
    make_participation(fair, booth=booth)
    second = Participation(fair=fair, exhibitor=make_participation(fair).exhibitor, booth=booth)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        second.full_clean()
    text = " ".join(m for ms in error.value.message_dict.values() for m in ms)
    assert "already taken" in text or "already applied" in text


def test_a_booth_of_another_fair_is_refused_by_clean():
    fair = make_fair()
    elsewhere = make_booth(make_hall(make_fair()), "B-01")
    participation = Participation(fair=fair, exhibitor=make_participation(fair).exhibitor)
    participation.booth = elsewhere
    with pytest.raises(ValidationError) as error:
        participation.clean()
    assert "booth" in error.value.message_dict


def test_open_for_registration_follows_status_and_window():
    today = datetime.date(2026, 11, 27)
    fair = make_fair(
        registration_opens_on=today - datetime.timedelta(days=1),
        registration_closes_on=today + datetime.timedelta(days=1),
        starts_on=today + datetime.timedelta(days=2),
        ends_on=today + datetime.timedelta(days=4),
    )
    assert list(Fair.objects.open_for_registration(today)) == [fair]
    assert not Fair.objects.open_for_registration(today + datetime.timedelta(days=2)).exists()
    Fair.objects.filter(pk=fair.pk).update(status=Fair.Status.CLOSED)
    assert not Fair.objects.open_for_registration(today).exists()


def test_free_booths_are_those_no_one_holds():
    fair = make_fair()
    hall = make_hall(fair)
    taken, free = make_booth(hall, "A-01"), make_booth(hall, "A-02", x=3)
    make_participation(fair, booth=taken)
    assert list(Booth.objects.free(fair)) == [free]


def test_drafts_are_not_public():
    draft = make_fair(status=Fair.Status.DRAFT)
    shown = make_fair()
    assert list(Fair.objects.public()) == [shown]
    assert draft.get_absolute_url() == f"/fairs/{draft.slug}/"
