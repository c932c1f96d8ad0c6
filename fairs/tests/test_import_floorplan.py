import csv
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django.utils.translation import override

from exhibitors.tests.factories import hamedan, make_exhibitor, valid_national_id
from fairs.floorplan import import_floorplan
from fairs.models import Booth, Fair, Hall, Participation
from fairs.tests.factories import make_booth, make_fair, make_hall, make_participation
from portal.lib.text import to_persian_digits

pytestmark = pytest.mark.django_db

HEADER = ["hall", "code", "x", "y", "width", "height", "national_id"]


def write(tmp_path, rows, header=HEADER, encoding="utf-8"):
    path = tmp_path / "plan.csv"
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def run(slug, path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_floorplan", slug, str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(slug, path, *args, match=None):
    err = StringIO()
    with override("en"), pytest.raises(CommandError, match=match) as raised:
        call_command("import_floorplan", slug, str(path), *args, stdout=StringIO(), stderr=err)
    return str(raised.value), err.getvalue()


def snapshot(fair):
    return (
        sorted(Hall.objects.filter(fair=fair).values_list("code", "name_fa", "width", "depth")),
        sorted(
            Booth.objects.filter(fair=fair).values_list(
                "code", "hall__code", "x", "y", "width", "height"
            )
        ),
        sorted(
            Participation.objects.filter(fair=fair).values_list(
                "exhibitor__national_id", "status", "booth__code", "decided_at"
            )
        ),
    )


def holder(fair, code):
    participation = Participation.objects.filter(fair=fair, booth__code=code).first()
    return participation.exhibitor if participation else None


@pytest.fixture
def fair():
    return make_fair()


@pytest.fixture
def units():
    return make_exhibitor(), make_exhibitor()


@pytest.fixture
def good_file(tmp_path, units):
    first, second = units
    return write(
        tmp_path,
        [
            ["A", "A1", "0", "0", "3", "3", first.national_id],
            # Touching A1's edge: neighbours, not an overlap.
            ["A", "A2", "3", "0", "3", "3", second.national_id],
            ["B", "B1", "0", "0", "4.5", "2.25", ""],
        ],
    )


def test_a_good_file_creates_sized_halls_booths_and_approved_participations(fair, units, good_file):
    out, err = run(fair.slug, good_file)

    assert err == ""
    assert "halls: 2 created, 0 resized, 0 unchanged" in out
    assert "booths: 3 created, 0 updated, 0 unchanged" in out
    assert "participations: 2 created, 0 updated, 0 unchanged" in out
    assert "Imported in" in out
    hall_a, hall_b = Hall.objects.filter(fair=fair).order_by("code")
    assert (hall_a.name_fa, hall_a.name_en, hall_a.width, hall_a.depth) == (
        "سالن A",
        "Hall A",
        Decimal(6),
        Decimal(3),
    )
    assert (hall_b.width, hall_b.depth) == (Decimal("4.5"), Decimal("2.25"))
    booth = Booth.objects.get(fair=fair, code="B1")
    assert (booth.hall, booth.x, booth.y, booth.width, booth.height) == (
        hall_b,
        0,
        0,
        Decimal("4.5"),
        Decimal("2.25"),
    )
    first, second = units
    assert holder(fair, "A1") == first and holder(fair, "A2") == second
    assert holder(fair, "B1") is None
    for participation in Participation.objects.filter(fair=fair):
        assert participation.status == Participation.Status.APPROVED
        assert participation.decided_at is not None


def test_a_second_run_of_the_same_file_changes_nothing(fair, good_file):
    run(fair.slug, good_file)
    before = snapshot(fair)

    out, _err = run(fair.slug, good_file)

    assert snapshot(fair) == before
    assert "halls: 0 created, 0 resized, 2 unchanged" in out
    assert "booths: 0 created, 0 updated, 3 unchanged" in out
    assert "participations: 0 created, 0 updated, 2 unchanged" in out


def test_columns_come_in_any_order_and_extra_ones_are_ignored(tmp_path, fair, units):
    path = write(
        tmp_path,
        [[units[0].national_id, "3", "note", "2", "A1", "1", "A", "2"]],
        header=["national_id", "height", "remark", "width", "code", "x", "hall", "y"],
    )
    run(fair.slug, path)
    booth = Booth.objects.get(fair=fair, code="A1")
    assert (booth.x, booth.y, booth.width, booth.height) == (1, 2, 2, 3)
    assert holder(fair, "A1") == units[0]


def test_a_pending_application_is_approved_and_given_its_booth(tmp_path, fair, units):
    pending = make_participation(fair, units[0], status=Participation.Status.APPLIED)
    path = write(tmp_path, [["A", "A1", "0", "0", "3", "3", units[0].national_id]])

    out, _err = run(fair.slug, path)

    pending.refresh_from_db()
    assert pending.status == Participation.Status.APPROVED
    assert pending.booth.code == "A1" and pending.decided_at is not None
    assert "participations: 0 created, 1 updated, 0 unchanged" in out


def test_bom_persian_digits_and_the_persian_decimal_separator_are_read(tmp_path, fair, units):
    path = write(
        tmp_path,
        [
            [
                "الف",
                "الف-۱",
                "۱٫۵",
                "٠",
                "۲٫۲۵",
                "۳",
                to_persian_digits(units[0].national_id),
            ]
        ],
        encoding="utf-8-sig",
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    run(fair.slug, path)

    booth = Booth.objects.get(fair=fair)
    assert (booth.code, booth.hall.code) == ("الف-1", "الف")
    assert (booth.x, booth.y, booth.width, booth.height) == (
        Decimal("1.5"),
        0,
        Decimal("2.25"),
        3,
    )
    assert (booth.hall.width, booth.hall.depth) == (Decimal("3.75"), 3)
    assert holder(fair, "الف-1") == units[0]


# Overlaps and booths held by another unit have tests of their own below.
BAD_ROWS = [
    # (id, row, column, English reason); UNKNOWN and FIRST become national IDs.
    ("empty hall", ["", "A2", "4", "0", "3", "3", ""], "hall", "is empty"),
    ("empty code", ["A", " ", "4", "0", "3", "3", ""], "code", "is empty"),
    ("long code", ["A", "A" * 21, "4", "0", "3", "3", ""], "code", "longer than 20"),
    ("not a number", ["A", "A2", "four", "0", "3", "3", ""], "x", "four is not a number"),
    ("comma decimal", ["A", "A2", "4,5", "0", "3", "3", ""], "x", "is not a number"),
    ("three places", ["A", "A2", "4", "0", "3.125", "3", ""], "width", "two decimal places"),
    ("negative position", ["A", "A2", "4", "-1", "3", "3", ""], "y", "cannot be negative"),
    ("negative size", ["A", "A2", "4", "0", "-3", "3", ""], "width", "more than zero"),
    ("zero size", ["A", "A2", "4", "0", "3", "0", ""], "height", "more than zero"),
    ("huge", ["A", "A2", "4", "0", "3", "1" * 40, ""], "height", "less than 10000"),
    ("bad national ID", ["A", "A2", "4", "0", "3", "3", "12345"], "national_id", "11 digits"),
    ("unknown unit", ["A", "A2", "4", "0", "3", "3", "UNKNOWN"], "national_id", "no unit"),
    ("duplicate code", ["A", "A1", "4", "0", "3", "3", ""], "code", "also on row 2"),
    ("unit twice", ["A", "A2", "4", "0", "3", "3", "FIRST"], "national_id", "booth A1 on row 2"),
]


@pytest.mark.parametrize(
    ("row", "column", "reason"), [case[1:] for case in BAD_ROWS], ids=[c[0] for c in BAD_ROWS]
)
def test_a_bad_row_is_reported_by_row_and_column_and_nothing_is_written(
    tmp_path, fair, units, row, column, reason
):
    replace = {"UNKNOWN": valid_national_id(99_999), "FIRST": units[0].national_id}
    row = [replace.get(cell, cell) for cell in row]
    path = write(
        tmp_path,
        [
            ["A", "A1", "0", "0", "3", "3", units[0].national_id],
            row,
            ["B", "B1", "0", "0", "2", "2"],
        ],
    )

    _message, err = run_failing(fair.slug, path, match="1 bad rows: nothing was written")

    assert f"plan.csv:3: {column}: " in err
    assert reason in err.splitlines()[-1]
    assert "plan.csv:2:" not in err and "plan.csv:4:" not in err
    assert snapshot(fair) == ([], [], [])


def test_overlapping_booths_of_the_file_are_both_reported_naming_each_other(tmp_path, fair):
    path = write(
        tmp_path,
        [
            ["A", "A1", "0", "0", "3", "3", ""],
            ["B", "A2", "1", "1", "3", "3", ""],  # another hall: no overlap
            ["A", "A3", "2.99", "0", "3", "3", ""],
        ],
    )

    _message, err = run_failing(fair.slug, path, match="2 bad rows")

    assert "plan.csv:2: code: overlaps booth A3 on row 4" in err
    assert "plan.csv:4: code: overlaps booth A1 on row 2" in err
    assert "plan.csv:3:" not in err
    assert not Booth.objects.exists()


def test_a_booth_overlapping_one_of_the_hall_that_the_file_leaves_is_reported(tmp_path, fair):
    hall = make_hall(fair, "A")
    make_booth(hall, "X1", x=0, y=0, width=3, height=3)
    before = snapshot(fair)
    path = write(
        tmp_path,
        [
            ["A", "A1", "3", "0", "3", "3", ""],  # touches X1
            ["A", "A2", "0", "2", "2", "3", ""],  # overlaps X1
        ],
    )

    _message, err = run_failing(fair.slug, path, match="1 bad rows")

    assert "plan.csv:3: code: overlaps booth X1, which is in the hall" in err
    assert snapshot(fair) == before


def test_a_booth_that_the_file_moves_away_no_longer_overlaps(tmp_path, fair):
    hall = make_hall(fair, "A")
    make_booth(hall, "X1", x=0, y=0, width=3, height=3)
    path = write(
        tmp_path,
        [["A", "A1", "0", "0", "3", "3", ""], ["B", "X1", "0", "0", "3", "3", ""]],
    )

    out, _err = run(fair.slug, path)

    moved = Booth.objects.get(fair=fair, code="X1")
    assert moved.hall.code == "B"
    assert "booths: 1 created, 1 updated, 0 unchanged" in out
    assert "halls: 1 created, 0 resized, 1 unchanged" in out


def test_a_booth_held_by_another_unit_is_a_bad_row(tmp_path, fair, units):
    taker, holder_unit = units
    booth = make_booth(make_hall(fair, "A"), "A1")
    make_participation(fair, holder_unit, booth=booth)
    before = snapshot(fair)
    path = write(tmp_path, [["A", "A1", "0", "0", "3", "3", taker.national_id]])

    _message, err = run_failing(fair.slug, path, match="1 bad rows")

    reason = f"booth A1 is held by another unit (national ID {holder_unit.national_id})"
    assert f"plan.csv:2: code: {reason}" in err
    assert snapshot(fair) == before
    assert not Participation.objects.filter(exhibitor=taker).exists()


def test_units_named_in_the_file_may_swap_booths(tmp_path, fair, units):
    first, second = units
    hall = make_hall(fair, "A")
    make_participation(fair, first, booth=make_booth(hall, "A1", x=0))
    make_participation(fair, second, booth=make_booth(hall, "A2", x=3))
    path = write(
        tmp_path,
        [
            ["A", "A1", "0", "0", "3", "3", second.national_id],
            ["A", "A2", "3", "0", "3", "3", first.national_id],
        ],
    )

    out, _err = run(fair.slug, path)

    assert holder(fair, "A1") == second and holder(fair, "A2") == first
    assert "participations: 0 created, 2 updated, 0 unchanged" in out


def test_a_unit_given_another_booth_moves_and_frees_its_old_one(tmp_path, fair, units):
    unit = units[0]
    hall = make_hall(fair, "A")
    participation = make_participation(fair, unit, booth=make_booth(hall, "A1"))
    decided_at = participation.decided_at
    path = write(tmp_path, [["A", "A2", "5", "0", "3", "3", unit.national_id]])

    out, _err = run(fair.slug, path)

    participation.refresh_from_db()
    assert participation.booth.code == "A2"
    assert participation.decided_at == decided_at  # already approved: no new decision
    assert Booth.objects.free(fair).get().code == "A1"
    assert "participations: 0 created, 1 updated, 0 unchanged" in out


def test_a_row_without_a_national_id_leaves_the_booth_with_its_holder(tmp_path, fair, units):
    booth = make_booth(make_hall(fair, "A"), "A1")
    make_participation(fair, units[0], booth=booth)
    path = write(tmp_path, [["A", "A1", "1", "1", "3", "3", ""]])

    out, _err = run(fair.slug, path)

    booth.refresh_from_db()
    assert (booth.x, booth.y) == (1, 1)
    assert holder(fair, "A1") == units[0]
    assert "booths: 0 created, 1 updated, 0 unchanged" in out
    assert "participations: 0 created, 0 updated, 0 unchanged" in out


def test_an_existing_hall_grows_to_hold_its_booths_and_never_shrinks(tmp_path, fair):
    small = make_hall(fair, "A", width=10, depth=5)
    make_booth(small, "X1", x=8, y=0, width=2, height=2)  # stays, and sets the width
    large = make_hall(fair, "B", width=40, depth=20)
    path = write(
        tmp_path,
        [["A", "A1", "0", "4", "3", "3", ""], ["B", "B1", "0", "0", "3", "3", ""]],
    )

    out, _err = run(fair.slug, path)

    small.refresh_from_db()
    large.refresh_from_db()
    assert (small.width, small.depth) == (10, 7)
    assert (large.width, large.depth) == (40, 20)
    assert "halls: 0 created, 1 resized, 1 unchanged" in out


def test_a_hall_grows_for_a_booth_that_stays_outside_it(tmp_path, fair):
    hall = make_hall(fair, "A", width=10, depth=5)
    make_booth(hall, "X1", x=12, y=0, width=3, height=3)  # drawn before the hall was resized
    path = write(tmp_path, [["A", "A1", "0", "0", "3", "3", ""]])

    run(fair.slug, path)

    hall.refresh_from_db()
    assert (hall.width, hall.depth) == (15, 5)


def test_title_creates_an_open_fair_in_the_county_of_most_of_its_units(tmp_path):
    malayer = make_exhibitor(county=hamedan("ملایر"))
    also_malayer = make_exhibitor(county=hamedan("ملایر"))
    in_hamedan = make_exhibitor()
    path = write(
        tmp_path,
        [
            ["A", "A1", "0", "0", "3", "3", malayer.national_id],
            ["A", "A2", "3", "0", "3", "3", in_hamedan.national_id],
            ["A", "A3", "6", "0", "3", "3", also_malayer.national_id],
        ],
    )

    out, _err = run("new-fair", path, "--title", "نمایشگاه تازه")

    fair = Fair.objects.get(slug="new-fair")
    today = timezone.localdate()
    assert (fair.title_fa, fair.status, fair.county) == (
        "نمایشگاه تازه",
        Fair.Status.OPEN,
        hamedan("ملایر"),
    )
    assert {
        fair.starts_on,
        fair.ends_on,
        fair.registration_opens_on,
        fair.registration_closes_on,
    } == {today}
    assert fair.booths.count() == 3 and fair.participations.approved().count() == 3
    assert "fair created: new-fair" in out


def test_a_new_fair_without_units_is_placed_in_hamedan(tmp_path):
    path = write(tmp_path, [["A", "A1", "0", "0", "3", "3", ""]])
    run("new-fair", path, "--title", "نمایشگاه تازه")
    assert Fair.objects.get(slug="new-fair").county == hamedan()


def test_title_is_ignored_for_an_existing_fair(tmp_path, fair):
    path = write(tmp_path, [["A", "A1", "0", "0", "3", "3", ""]])
    out, _err = run(fair.slug, path, "--title", "عنوان دیگر")
    fair.refresh_from_db()
    assert fair.title_fa != "عنوان دیگر" and Fair.objects.count() == 1
    assert "--title ignored" in out and fair.booths.count() == 1


def test_an_unknown_slug_without_title_is_an_error(tmp_path):
    path = write(tmp_path, [["A", "A1", "0", "0", "3", "3", ""]])
    run_failing("no-such-fair", path, match="no fair with slug no-such-fair; give --title")
    assert not Fair.objects.exists() and not Booth.objects.exists()


def test_a_new_fair_is_not_created_when_a_row_is_bad(tmp_path):
    path = write(tmp_path, [["A", "A1", "0", "0", "0", "3", ""]])
    _message, err = run_failing("new-fair", path, "--title", "تازه", match="1 bad rows")
    assert "plan.csv:2: width: " in err
    assert not Fair.objects.exists() and not Hall.objects.exists()


def test_a_new_fair_needs_a_valid_slug(tmp_path):
    path = write(tmp_path, [["A", "A1", "0", "0", "3", "3", ""]])
    run_failing("not a slug", path, "--title", "تازه", match="cannot be a fair's slug")
    assert not Fair.objects.exists()


def test_row_numbers_are_lines_of_the_file_counting_blank_lines_and_line_breaks(tmp_path, fair):
    path = tmp_path / "plan.csv"
    path.write_text(
        ",".join(HEADER) + "\n"
        'A,A1,0,0,3,3,""\n'
        "\n"
        '"A","A2","1","1","3","3","a note\nover two lines"\n'
        "A,A3,8,0,0,3,\n",
        encoding="utf-8",
    )

    _message, err = run_failing(fair.slug, path)

    assert "plan.csv:4: national_id: " in err
    assert "plan.csv:4: code: overlaps booth A1 on row 2" in err
    assert "plan.csv:6: width: " in err


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "plan.csv is empty"),
        (b"hall,code,x,y,width,height,national_id\n\n", "plan.csv has no booths"),
        (b"hall,code,x,y,national_id\nA,A1,0,0,\n", "lacks the columns: width, height"),
        # UTF-16 and cp1256 are read now (exhibitors/tests/test_csv_files.py); a
        # file that says it is UTF-8 and is not cannot be.
        (b"\xef\xbb\xbfhall,code,x,y,width,height,national_id\nA,\xd3", "not UTF-8"),
    ],
)
def test_a_file_that_cannot_be_read_is_a_clear_error(tmp_path, fair, content, match):
    path = tmp_path / "plan.csv"
    path.write_bytes(content)
    run_failing(fair.slug, path, match=match)
    assert not Hall.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path, fair):
    run_failing(fair.slug, tmp_path / "nothing.csv", match="nothing.csv is not a file")


def test_other_code_can_call_the_import_and_read_its_report(tmp_path, fair, good_file):
    report = import_floorplan(fair.slug, good_file)
    assert report.written and report.fair == fair and not report.problems
    assert report.counts["booths"] == {"created": 3, "updated": 0, "unchanged": 0}

    bad = write(tmp_path, [["A", "A9", "-1", "0", "3", "3", ""]])
    report = import_floorplan(fair.slug, bad)
    assert not report.written and report.bad_rows == 1
    assert (report.problems[0].row, report.problems[0].column) == (2, "x")
    assert not Booth.objects.filter(code="A9").exists()


def test_a_large_plan_imports_with_a_bounded_number_of_queries(
    tmp_path, fair, django_assert_max_num_queries
):
    units = [make_exhibitor() for _ in range(30)]
    rows = [
        ["A", f"A{i}", str(i * 3), "0", "3", "3", units[i].national_id if i < 30 else ""]
        for i in range(400)
    ]
    path = write(tmp_path, rows)
    with django_assert_max_num_queries(25):
        run(fair.slug, path)
    assert Booth.objects.filter(fair=fair).count() == 400
    assert Participation.objects.filter(fair=fair, booth__isnull=False).count() == 30
