"""Booth geometry: overlaps, the hall's walls, and who counts as a neighbour."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fairs import geometry, layout
from fairs.models import Booth
from fairs.tests.factories import make_booth, make_fair, make_hall, make_participation


def rect(x, y, width=3, height=3):
    return SimpleNamespace(
        x=Decimal(str(x)), y=Decimal(str(y)), width=Decimal(str(width)), height=Decimal(str(height))
    )


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        (rect(5.9, 0), Decimal("2.9")),
        (rect(6, 0), Decimal("3")),
        (rect(6.1, 0), Decimal("3.1")),
        (rect(3, 0), Decimal("0")),  # touching
        (rect(6, 7), Decimal("5")),  # corner to corner: 3 across, 4 down
    ],
)
def test_the_gap_is_edge_to_edge(second, expected):
    assert geometry.gap(rect(0, 0), second) == expected


def test_within_counts_the_limit_itself():
    assert geometry.within(rect(0, 0), rect(5.9, 0), 3)
    assert geometry.within(rect(0, 0), rect(6, 0), 3)
    assert not geometry.within(rect(0, 0), rect(6.1, 0), 3)
    # Diagonal: 1.8 across and 2.4 down is exactly 3 m.
    assert geometry.within(rect(0, 0), rect(4.8, 5.4), 3)
    assert not geometry.within(rect(0, 0), rect(4.8, 5.5), 3)


def test_touching_booths_do_not_overlap_but_sharing_area_does():
    assert not geometry.overlap(rect(0, 0), rect(3, 0))
    assert geometry.overlap(rect(0, 0), rect(2.99, 0))
    assert geometry.overlap(rect(0, 0, 10, 10), rect(4, 4, 1, 1))  # inside


def test_the_grid_finds_the_same_pairs_as_comparing_every_pair():
    rects = [rect((i % 17) * 3.1, (i // 17) * 4.3, 3 + (i % 3), 3) for i in range(200)]
    every = {
        (i, j)
        for i in range(len(rects))
        for j in range(i + 1, len(rects))
        if geometry.within(rects[i], rects[j], 3)
    }
    assert set(geometry.pairs_within(rects, 3)) == every
    assert len(every) > 200


def test_overlapping_pairs_names_each_pair_once():
    rects = [rect(0, 0), rect(2, 0), rect(3, 0), rect(10, 10)]
    assert geometry.overlapping_pairs(rects) == [(0, 1), (1, 2)]


@pytest.mark.django_db
class TestNeighboursQuerySet:
    def hall_with(self, *xs):
        hall = make_hall(make_fair(), width=60)
        return [make_booth(hall, f"A-{i}", x=x) for i, x in enumerate(xs)]

    @pytest.mark.parametrize(
        ("x", "near"), [("5.9", True), ("6", True), ("6.1", False), ("3", True)]
    )
    def test_the_distance_rule(self, x, near):
        me, other = self.hall_with(0, Decimal(x))
        assert (other in Booth.objects.neighbours(me)) is near
        assert (me in Booth.objects.neighbours(other)) is near

    def test_the_setting_moves_the_limit(self, settings):
        settings.PORTAL_NEIGHBOUR_METRES = 5
        me, other = self.hall_with(0, 8)
        assert list(Booth.objects.neighbours(me)) == [other]

    def test_a_booth_is_not_its_own_neighbour_and_rows_across_an_aisle_count(self):
        hall = make_hall(make_fair())
        me = make_booth(hall, "A-01", x=0, y=0)
        across = make_booth(hall, "B-01", x=0, y=5)  # 2 m aisle
        far = make_booth(hall, "C-01", x=0, y=10)
        assert set(Booth.objects.neighbours(me)) == {across}
        assert far not in Booth.objects.neighbours(me)

    def test_booths_in_different_halls_are_never_neighbours(self):
        fair = make_fair()
        me = make_booth(make_hall(fair, "A"), "A-01")
        other = make_booth(make_hall(fair, "B"), "B-01")  # same coordinates
        assert other not in Booth.objects.neighbours(me)
        assert layout.unit_neighbours(fair) == {}


@pytest.mark.django_db
def test_the_fair_wide_service_agrees_with_the_queryset_in_three_queries():
    fair = make_fair()
    hall = make_hall(fair, width=60, depth=30)
    booths = [
        make_booth(hall, f"A-{i:02}", x=(i % 10) * 3 + (i % 10 >= 5) * 4, y=(i // 10) * 6)
        for i in range(30)
    ]
    units = {b.pk: make_participation(fair, booth=b).exhibitor for b in booths}
    with CaptureQueriesContext(connection) as queries:
        near = layout.unit_neighbours(fair)
    assert len(queries) == 3
    for booth in booths:
        expected = {units[b.pk].pk for b in Booth.objects.neighbours(booth)}
        assert {n.exhibitor.pk for n in near[units[booth.pk].pk]} == expected
    first = near[units[booths[0].pk].pk]
    assert [n.booth.code for n in first][:1] == ["A-01"]  # nearest first
    assert first[0].gap == 0


@pytest.mark.django_db
class TestBoothRules:
    def test_a_booth_outside_the_hall_or_overlapping_another_is_a_form_error(self):
        hall = make_hall(make_fair(), width=10, depth=10)
        make_booth(hall, "A-01", x=0, y=0)
        outside = Booth(fair=hall.fair, hall=hall, code="A-02", x=8, y=0, width=3, height=3)
        with pytest.raises(ValidationError, match="10"):
            outside.full_clean()
        overlapping = Booth(fair=hall.fair, hall=hall, code="A-03", x=2, y=0, width=3, height=3)
        with pytest.raises(ValidationError, match="A-01"):
            overlapping.full_clean()
        touching = Booth(fair=hall.fair, hall=hall, code="A-04", x=3, y=0, width=3, height=3)
        touching.full_clean()
