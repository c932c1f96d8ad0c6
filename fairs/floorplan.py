"""A fair's floor plan from a CSV file: halls, booths and who stands in each.

The columns are an interface: hall, code, x, y, width, height, national_id,
in any order (others are ignored). Every row is validated first; with any
bad row nothing is written. Halls and booths are matched by code within the
fair and participations by unit, so importing the same file twice changes
nothing. Other code calls ``import_floorplan``; the management command
``import_floorplan`` only prints its report.
"""

import contextlib
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from exhibitors.models import County, Exhibitor
from exhibitors.registry import (  # the same report line and CSV reader as import_directory
    Problem,
    RegistryError,
    read_csv,
)
from portal.lib import changes
from portal.lib.identifiers import clean_national_id
from portal.lib.text import to_ascii_digits

from .geometry import overlapping_pairs
from .models import Booth, Fair, Hall, Participation

COLUMNS = ["hall", "code", "x", "y", "width", "height", "national_id"]
# The model fields' lengths, so that a long code is a reported row, not a crash.
LIMITS = {"hall": 10, "code": 20}
# Positions and sizes are DecimalFields of 7 digits with 2 places: with each
# below this, a hall's size (a position plus a size) still fits.
MAX_METRES = Decimal(10000)
CENTIMETRE = Decimal("0.01")
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# The county of a new fair whose file names no unit; reference data ships it.
DEFAULT_COUNTY = "همدان"


class FloorplanError(Exception):
    """The import cannot start: unreadable file, missing columns, unknown fair."""


@dataclass
class Report:
    source: str
    fair: Fair | None = None
    fair_created: bool = False
    counts: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    written: bool = False
    # How the file was read (encoding, separator), by its source label.
    formats: dict = field(default_factory=dict)

    @property
    def bad_rows(self):
        return len({(p.source, p.row) for p in self.problems})

    def count(self, kind, outcome, n=1):
        self.counts[kind][outcome] += n


# Reading -------------------------------------------------------------------


def read(path, formats=None):
    """(source label, [(line number, {column: text})]) from a CSV file.

    The line number is where the row starts in the file, the header being 1,
    so that a cell holding a line break does not shift the numbers after it.
    The file is read as import_directory reads its files (UTF-8, UTF-16 or
    cp1256; commas, semicolons or tabs); ``formats``, a dict, receives how.
    """
    path = Path(path)
    source = path.name
    if not path.is_file():
        raise FloorplanError(_("%(path)s is not a file.") % {"path": path})
    try:
        table = read_csv(path, lines=True)
    except RegistryError as error:
        raise FloorplanError(str(error)) from None
    if formats is not None:
        formats[source] = table.described()
    missing = [c for c in COLUMNS if c not in table.header]
    if missing:
        raise FloorplanError(
            _("%(source)s lacks the columns: %(columns)s.")
            % {"source": source, "columns": ", ".join(missing)}
        )
    rows = []
    for line, values in table.rows:
        cells = [v.strip() for v in values]
        if any(cells):
            record = dict(zip(table.header, cells, strict=False))
            rows.append((line, {c: record.get(c, "") for c in COLUMNS}))
    if not rows:
        raise FloorplanError(_("%(source)s has no booths.") % {"source": source})
    return source, rows


# Validating ----------------------------------------------------------------


@dataclass
class _Row:
    """A booth of the file; x, y, width and height are None when unreadable."""

    number: int
    hall: str = ""
    code: str = ""
    x: Decimal | None = None
    y: Decimal | None = None
    width: Decimal | None = None
    height: Decimal | None = None
    unit: Exhibitor | None = None

    @property
    def placed(self):
        rectangle = (self.x, self.y, self.width, self.height)
        return bool(self.hall and self.code) and None not in rectangle


def _visible(value):
    # Text pasted from Persian documents carries invisible marks (LRM, ZWNJ…).
    return "".join(c for c in value if unicodedata.category(c) != "Cf")


class _Checker:
    def __init__(self, report, row):
        self.report, self.row = report, row

    def fail(self, column, reason):
        self.report.problems.append(
            Problem(self.report.source, self.row.number, column, str(reason))
        )

    def code(self, record, column):
        value = to_ascii_digits(_visible(record[column])).strip()
        if not value:
            self.fail(column, _("is empty"))
        elif "\x00" in value:
            self.fail(column, _("holds a NUL character"))
        elif len(value) > LIMITS[column]:
            self.fail(column, _("is longer than %(n)d characters") % {"n": LIMITS[column]})
        else:
            return value
        return ""

    def metres(self, record, column, *, size):
        typed = record[column]
        value = to_ascii_digits(_visible(typed)).strip()
        if not value:
            self.fail(column, _("is empty"))
            return None
        if not NUMBER.fullmatch(value):
            self.fail(column, _("%(value)s is not a number") % {"value": typed})
            return None
        number = Decimal(value)
        if size and number <= 0:
            self.fail(column, _("must be more than zero"))
        elif number < 0:
            self.fail(column, _("cannot be negative"))
        elif number >= MAX_METRES:
            self.fail(column, _("must be less than %(max)s metres") % {"max": MAX_METRES})
        elif number != number.quantize(CENTIMETRE):
            self.fail(
                column,
                _("%(value)s has more than two decimal places (whole centimetres)")
                % {"value": typed},
            )
        else:
            # copy_abs: "-0" is 0, not a negative zero that prints as -0.00.
            return number.quantize(CENTIMETRE).copy_abs()
        return None

    def unit(self, record, units):
        if not record["national_id"]:
            return None
        try:
            national_id = clean_national_id(record["national_id"])
        except ValidationError as error:
            self.fail("national_id", error.messages[0])
            return None
        unit = units.get(national_id)
        if unit is None:
            self.fail("national_id", _("no unit has this national ID"))
        return unit


@dataclass
class _State:
    """The fair as the database holds it, loaded once."""

    fair: Fair | None
    halls: dict  # code: Hall
    booths: dict  # code: Booth
    participations: dict  # exhibitor id: Participation
    holders: dict  # booth id: Participation

    @classmethod
    def load(cls, fair):
        if fair is None:
            return cls(None, {}, {}, {}, {})
        participations = {
            p.exhibitor_id: p
            for p in Participation.objects.filter(fair=fair).select_related("exhibitor")
        }
        return cls(
            fair,
            {h.code: h for h in Hall.objects.filter(fair=fair)},
            {b.code: b for b in Booth.objects.filter(fair=fair)},
            participations,
            {p.booth_id: p for p in participations.values() if p.booth_id},
        )

    def booths_staying(self, hall_code, file_codes):
        """The hall's booths that the file does not name: they stay where they are."""
        hall = self.halls.get(hall_code)
        if hall is None:
            return []
        return [
            b for b in self.booths.values() if b.hall_id == hall.pk and b.code not in file_codes
        ]


def _validate(records, state, report):
    national_ids = set()
    for _number, record in records:
        # Bad ones are reported row by row below.
        with contextlib.suppress(ValidationError):
            national_ids.add(clean_national_id(record["national_id"]))
    units = {u.national_id: u for u in Exhibitor.objects.filter(national_id__in=national_ids)}
    rows, first_of_code, first_of_unit = [], {}, {}
    for number, record in records:
        row = _Row(number)
        check = _Checker(report, row)
        row.hall = check.code(record, "hall")
        row.code = check.code(record, "code")
        row.x = check.metres(record, "x", size=False)
        row.y = check.metres(record, "y", size=False)
        row.width = check.metres(record, "width", size=True)
        row.height = check.metres(record, "height", size=True)
        row.unit = check.unit(record, units)
        if row.code in first_of_code:
            check.fail(
                "code",
                _("booth %(code)s is also on row %(row)d")
                % {"code": row.code, "row": first_of_code[row.code].number},
            )
        elif row.code:
            first_of_code[row.code] = row
        if row.unit is not None:
            if row.unit.pk in first_of_unit:
                first = first_of_unit[row.unit.pk]
                check.fail(
                    "national_id",
                    _("this unit is also given booth %(code)s on row %(row)d")
                    % {"code": first.code, "row": first.number},
                )
            else:
                first_of_unit[row.unit.pk] = row
        rows.append(row)
    for row in rows:
        _check_holder(row, state, first_of_unit, report)
    _check_overlaps(rows, first_of_code, state, report)
    report.problems.sort(key=lambda problem: problem.row)
    return rows


def _check_holder(row, state, units_in_file, report):
    """A booth held by another unit may go to this one only when the file moves that unit."""
    booth = state.booths.get(row.code)
    holder = state.holders.get(booth.pk) if booth else None
    if row.unit is None or holder is None or holder.exhibitor_id == row.unit.pk:
        return
    if holder.exhibitor_id not in units_in_file:
        _Checker(report, row).fail(
            "code",
            _("booth %(code)s is held by another unit (national ID %(national_id)s)")
            % {"code": row.code, "national_id": holder.exhibitor.national_id},
        )


def _check_overlaps(rows, first_of_code, state, report):
    by_hall = defaultdict(list)
    for row in rows:
        # A repeated code is already reported; its rectangle would only add noise.
        if row.placed and first_of_code.get(row.code) is row:
            by_hall[row.hall].append(row)
    for hall_code, hall_rows in by_hall.items():
        rects = hall_rows + state.booths_staying(hall_code, first_of_code)
        for i, j in overlapping_pairs(rects):
            for mine, other in ((rects[i], rects[j]), (rects[j], rects[i])):
                if not isinstance(mine, _Row):
                    continue
                if isinstance(other, _Row):
                    reason = _("overlaps booth %(code)s on row %(row)d") % {
                        "code": other.code,
                        "row": other.number,
                    }
                else:
                    reason = _("overlaps booth %(code)s, which is in the hall and not in this file")
                    reason %= {"code": other.code}
                _Checker(report, mine).fail("code", reason)


# Writing -------------------------------------------------------------------


def import_floorplan(fair_slug, path, title=None, dry_run=False):
    """Read and validate a floor plan; when every row is good, write it.

    Side effects, in one transaction and only when no row is bad: the fair
    (when no fair has the slug and a ``title`` is given: open, dated today),
    halls created or grown to hold their booths, booths created or moved,
    and the named units' participations created or approved and given their
    booths (a unit that held another booth of the fair moves). Returns a
    Report. Raises FloorplanError when the file cannot be read or the fair
    is unknown and no title is given. ``dry_run``: validated, written and
    counted, then rolled back (the report says what an import would do).
    """
    formats = {}
    source, records = read(path, formats)
    report = Report(source=source, formats=formats)
    try:
        with transaction.atomic():
            # Locked: a second import of the same fair waits for this one.
            fair = Fair.objects.select_for_update().filter(slug=fair_slug).first()
            report.fair = fair
            if fair is None:
                _check_new_fair(fair_slug, title)
            state = _State.load(fair)
            rows = _validate(records, state, report)
            if report.problems:
                return report
            if fair is None:
                fair = _create_fair(fair_slug, title, rows)
                report.fair_created = True
            report.fair = state.fair = fair
            _write(rows, state, report)
            if dry_run:
                transaction.set_rollback(True)
                return report
            # Who stands next to whom changed: the fair's matches follow.
            changes.changed(fairs=[fair.pk])
    except IntegrityError:
        # Someone changed the fair's booths or participations meanwhile.
        raise FloorplanError(
            _("The fair changed during the import, so nothing was written: run it again.")
        ) from None
    report.written = True
    return report


def _check_new_fair(slug, title):
    if not title:
        raise FloorplanError(
            _("There is no fair with slug %(slug)s; give --title to create it.") % {"slug": slug}
        )
    try:
        validate_slug(slug)
    except ValidationError:
        raise FloorplanError(
            _("%(slug)s cannot be a fair's slug: use letters, digits, - and _.") % {"slug": slug}
        ) from None
    limits = ((slug, Fair._meta.get_field("slug")), (title, Fair._meta.get_field("title_fa")))
    for value, model_field in limits:
        if len(value) > model_field.max_length:
            raise FloorplanError(
                _("The fair's %(field)s is longer than %(n)d characters.")
                % {"field": model_field.verbose_name, "n": model_field.max_length}
            )


def _create_fair(slug, title, rows):
    counties = Counter(row.unit.county_id for row in rows if row.unit is not None)
    if counties:
        county_id = counties.most_common(1)[0][0]
    else:
        county = (
            County.objects.filter(name_fa=DEFAULT_COUNTY).order_by("pk").first()
            or County.objects.order_by("pk").first()
        )
        if county is None:
            raise FloorplanError(_("There is no county to hold the new fair."))
        county_id = county.pk
    today = timezone.localdate()
    return Fair.objects.create(
        slug=slug,
        title_fa=title,
        county_id=county_id,
        status=Fair.Status.OPEN,
        starts_on=today,
        ends_on=today,
        registration_opens_on=today,
        registration_closes_on=today,
    )


def _write(rows, state, report):
    report.counts = {
        "halls": {"created": 0, "resized": 0, "unchanged": 0},
        "booths": {"created": 0, "updated": 0, "unchanged": 0},
        "participations": {"created": 0, "updated": 0, "unchanged": 0},
    }
    halls = _write_halls(rows, state, report)
    booths = _write_booths(rows, halls, state, report)
    _write_participations(rows, booths, state, report)


def _write_halls(rows, state, report):
    file_codes = {row.code for row in rows}
    by_hall = defaultdict(list)
    for row in rows:
        by_hall[row.hall].append(row)
    halls = {}
    for code, hall_rows in by_hall.items():
        rects = hall_rows + state.booths_staying(code, file_codes)
        width = max(r.x + r.width for r in rects)
        depth = max(r.y + r.height for r in rects)
        hall = state.halls.get(code)
        if hall is None:
            hall = Hall.objects.create(
                fair=state.fair,
                code=code,
                name_fa=f"سالن {code}",
                name_en=f"Hall {code}",
                width=width,
                depth=depth,
            )
            report.count("halls", "created")
        elif width > hall.width or depth > hall.depth:
            # Grown, never shrunk: the organizers may have drawn a larger hall.
            hall.width, hall.depth = max(width, hall.width), max(depth, hall.depth)
            hall.save(update_fields=["width", "depth"])
            report.count("halls", "resized")
        else:
            report.count("halls", "unchanged")
        halls[code] = hall
    return halls


def _write_booths(rows, halls, state, report):
    new, changed = [], []
    for row in rows:
        hall = halls[row.hall]
        values = {"x": row.x, "y": row.y, "width": row.width, "height": row.height}
        booth = state.booths.get(row.code)
        if booth is None:
            new.append(Booth(fair=state.fair, hall=hall, code=row.code, **values))
        elif booth.hall_id != hall.pk or any(getattr(booth, k) != v for k, v in values.items()):
            booth.hall = hall
            for key, value in values.items():
                setattr(booth, key, value)
            changed.append(booth)
    # Bulk writes skip Booth.save(): the fair is set above, from the hall's.
    Booth.objects.bulk_create(new, batch_size=1000)
    Booth.objects.bulk_update(changed, ["hall", "x", "y", "width", "height"], batch_size=1000)
    report.count("booths", "created", len(new))
    report.count("booths", "updated", len(changed))
    report.count("booths", "unchanged", len(rows) - len(new) - len(changed))
    if any(booth.pk is None for booth in new):
        # Databases that do not return the new ids: read them back.
        return {b.code: b for b in Booth.objects.filter(fair=state.fair)}
    return {**state.booths, **{b.code: b for b in new}}


def _write_participations(rows, booths, state, report):
    now = timezone.now()
    new, changed, moving = [], [], []
    approved = Participation.Status.APPROVED
    for row in rows:
        if row.unit is None:
            continue
        booth = booths[row.code]
        participation = state.participations.get(row.unit.pk)
        if participation is None:
            new.append(
                Participation(
                    fair=state.fair,
                    exhibitor=row.unit,
                    status=approved,
                    booth=booth,
                    decided_at=now,
                )
            )
            continue
        dirty = False
        if participation.status != approved:
            participation.status, participation.decided_at = approved, now
            dirty = True
        if participation.booth_id != booth.pk:
            if participation.booth_id:
                moving.append(participation.pk)
            participation.booth = booth
            dirty = True
        if dirty:
            changed.append(participation)
        else:
            report.count("participations", "unchanged")
    # One booth per participation is a constraint checked row by row: every
    # unit that moves lets go of its booth before any booth is given.
    Participation.objects.filter(pk__in=moving).update(booth=None)
    Participation.objects.bulk_update(changed, ["status", "decided_at", "booth"], batch_size=1000)
    Participation.objects.bulk_create(new, batch_size=1000)
    report.count("participations", "created", len(new))
    report.count("participations", "updated", len(changed))
