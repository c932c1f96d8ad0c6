"""The province's registry of units: import from CSV folders or workbooks, export back.

The columns are an interface (README): other tools write and read them.
An import validates every row first; with any bad row nothing is written,
unless ``skip_invalid`` is set. Units are matched by national ID, products
and needs by (unit, name with spelling variants folded): importing the same
file twice changes nothing.
"""

import codecs
import csv
import decimal
import io
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import connection, transaction
from django.utils.translation import gettext as _

from portal.lib import changes
from portal.lib.forms import persian_active
from portal.lib.identifiers import clean_mobile, clean_national_id, clean_phone
from portal.lib.text import (
    compact,
    format_number,
    normalize,
    persian_letters,
    search_text,
    to_ascii_digits,
)

from .models import AmountUnit, Category, County, Exhibitor, IndustrialPark, Need, Product, Province

COLUMNS = {
    "units": [
        "national_id",
        "name",
        "province",
        "county",
        "industrial_park",
        "isic",
        "phone",
        "email",
        "website",
    ],
    "products": ["national_id", "name", "category", "description", "monthly_capacity", "unit"],
    "needs": [
        "national_id",
        "name",
        "category",
        "description",
        "monthly_quantity",
        "unit",
        "current_source_province",
    ],
}
# Columns added later, written after the others: a file may leave them out,
# and then the units keep what they have.
OPTIONAL_COLUMNS = {"units": ["brand", "mobile", "description"]}
AMOUNT_COLUMN = {"products": "monthly_capacity", "needs": "monthly_quantity"}
# A cell that a spreadsheet would run as a formula is written with a leading '.
FORMULA_STARTS = ("=", "+", "-", "@")
# The model fields' lengths, so that a long cell is a reported row, not a crash.
LIMITS = {
    "units": {
        "name": 200,
        "county": 100,
        "industrial_park": 100,
        "email": 254,
        "website": 200,
        "brand": 100,
        "description": 2000,
    },
    "items": {"name": 120, "description": 2000},
}
PHONE_SEPARATORS = re.compile(r"\s*[/،;,|]\s*")


class RegistryError(Exception):
    """The file cannot be read at all (missing file, wrong sheet names, no header)."""


@dataclass
class Problem:
    source: str
    row: int
    column: str
    reason: str

    def __str__(self):
        return f"{self.source}:{self.row}: {self.column}: {self.reason}"


@dataclass
class Report:
    counts: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    new_counties: list = field(default_factory=list)
    new_parks: list = field(default_factory=list)
    written: bool = False
    written_at: float = 0.0  # time.monotonic() when the rows were committed
    # How each CSV file was read (encoding, separator), by its source label.
    formats: dict = field(default_factory=dict)
    # The pks written, for the matching engine: it recomputes only what changed.
    changed: dict = field(
        default_factory=lambda: {"units": [], "products": [], "new_products": [], "needs": []}
    )

    def count(self, sheet, outcome, n=1):
        self.counts.setdefault(sheet, {"created": 0, "updated": 0, "unchanged": 0})
        self.counts[sheet][outcome] += n


# Reading -------------------------------------------------------------------


def read(path, formats=None):
    """{sheet: (source label, [(row number, {column: text})])} from a folder or a workbook.

    ``formats``, a dict, receives how each CSV file was read (its encoding
    and separator, a sentence for the command's output) by its source label.
    """
    path = Path(path)
    formats = {} if formats is None else formats
    if path.is_dir():
        return _read_folder(path, formats)
    if path.suffix.lower() == ".xlsx" and path.is_file():
        return _read_workbook(path)
    raise RegistryError(_("%(path)s is neither a folder nor an .xlsx workbook.") % {"path": path})


def _rows(sheet, source, header, rows):
    header = [str(h or "").strip().lstrip("\ufeff").lower() for h in header]
    missing = [c for c in COLUMNS[sheet] if c not in header]
    if missing:
        raise RegistryError(
            _("%(source)s lacks the columns: %(columns)s.")
            % {"source": source, "columns": ", ".join(missing)}
        )
    columns = COLUMNS[sheet] + [c for c in OPTIONAL_COLUMNS.get(sheet, []) if c in header]
    out = []
    for number, values in enumerate(rows, start=2):
        cells = ["" if v is None else str(v).strip() for v in values]
        if not any(cells):
            continue
        record = dict(zip(header, cells, strict=False))
        out.append((number, {c: _unescape(record.get(c, "")) for c in columns}))
    return out


def _unescape(value):
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def _read_folder(folder, formats):
    if not (folder / "units.csv").exists():
        raise RegistryError(_("%(folder)s has no units.csv.") % {"folder": folder})
    sheets = {}
    for sheet in COLUMNS:
        path = folder / f"{sheet}.csv"
        if not path.exists():
            continue
        table = read_csv(path)
        formats[table.source] = table.described()
        records = [cells for _number, cells in table.rows]
        sheets[sheet] = (table.source, _rows(sheet, table.source, table.header, records))
    return sheets


# CSV files as spreadsheet programs save them --------------------------------

# What Excel writes: UTF-8 (with a BOM, "CSV UTF-8"), UTF-16 with a BOM and
# tabs ("Unicode Text"), or, as plain "CSV" on a Windows set to Persian or
# Arabic, the Arabic Windows code page.
ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "cp1256": "Windows-1256",
}
DELIMITERS = (",", ";", "\t")


@dataclass
class CsvTable:
    """A CSV file read: its header and its records, numbered as ``read_csv`` says."""

    source: str
    header: list
    rows: list  # [(number, [cell, …])]
    encoding: str  # a key of ENCODINGS
    delimiter: str

    def described(self):
        """How the file was read, for the commands' output."""
        encoding = ENCODINGS[self.encoding]
        if self.encoding == "cp1256":
            encoding = _("%(code_page)s (Arabic Windows)") % {"code_page": encoding}
        delimiter = {",": _("commas"), ";": _("semicolons"), "\t": _("tabs")}[self.delimiter]
        return _("%(source)s: read as %(encoding)s, cells separated by %(delimiter)s.") % {
            "source": self.source,
            "encoding": encoding,
            "delimiter": delimiter,
        }


def _decode(data, source):
    """(text, encoding) of a file's bytes: a BOM says which, else UTF-8, else cp1256."""
    if data.startswith(codecs.BOM_UTF8):
        data, encoding, fallback = data[len(codecs.BOM_UTF8) :], "utf-8", False
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, fallback = "utf-16", False
    elif len(data) >= 4 and data[1] == data[3] == 0 and data[0] and data[2]:
        data, encoding, fallback = codecs.BOM_UTF16_LE + data, "utf-16", False  # no BOM
    elif len(data) >= 4 and data[0] == data[2] == 0 and data[1] and data[3]:
        data, encoding, fallback = codecs.BOM_UTF16_BE + data, "utf-16", False
    else:
        encoding, fallback = "utf-8", True
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as error:
        # Not UTF-8: the Arabic Windows code page, where every byte is a
        # character; unless the file is UTF-8 but for a damaged byte or two,
        # which cp1256 would turn into gibberish, stored as names.
        if fallback and not _mostly_utf8(data):
            # Windows writes the Persian ی as the Arabic ي in this code page.
            return persian_letters(data.decode("cp1256")), "cp1256"
        line = data[: error.start].count(b"\n") + 1 if encoding == "utf-8" else 1
    raise RegistryError(
        str(
            Problem(
                source,
                line,
                _("file"),
                _("holds a byte that is not %(encoding)s on this line: save it again as CSV UTF-8")
                % {"encoding": ENCODINGS[encoding]},
            )
        )
    )


def _mostly_utf8(data):
    """Whether the bytes are UTF-8 text with a few damaged bytes, not another encoding."""
    text = data.decode("utf-8", errors="replace")
    damaged = text.count("\ufffd")
    letters = sum(1 for char in text if char > "\x7f") - damaged
    return letters > 20 * damaged


def _delimiter(text):
    """The one of comma, semicolon and tab that the header line uses most (comma if none)."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _cell_over_limit(text, start, delimiter, limit):
    """Which cell (0, 1, …) of the record starting at ``start`` is longer than ``limit``."""
    index = length = 0
    quoted = False
    for char in text[start:]:
        if char == '"':
            quoted = not quoted  # a doubled quote inside a cell toggles twice
        elif not quoted and char == delimiter:
            index, length = index + 1, 0
            continue
        elif not quoted and char in "\r\n":
            break
        length += 1
        if length > limit:
            return index
    return None


def _csv_problem(source, number, header, error, text, start, delimiter):
    """A csv.Error as the commands report a row: ``file:row: column: reason``, translated."""
    limit = csv.field_size_limit()
    column = _("row")
    if "field larger than field limit" in str(error):
        index = _cell_over_limit(text, start, delimiter, limit)
        if index is not None:
            place = format_number(index + 1, persian=persian_active())
            column = header[index] if index < len(header) else _("cell %(n)s") % {"n": place}
        reason = _(
            "is longer than %(limit)s characters, the most a CSV cell may hold: "
            "is a quotation mark left open?"
        ) % {"limit": format_number(limit, persian=persian_active())}
    else:
        reason = _("cannot be read as CSV (%(error)s)") % {"error": error}
    return Problem(source, number, column, reason)


def read_csv(path, *, lines=False):
    """A CSV file as spreadsheet programs save it, whatever the encoding and separator.

    The encoding: a BOM (UTF-8, UTF-16 LE or BE), else UTF-8, else the Arabic
    Windows code page (cp1256). The separator: comma, semicolon or tab,
    whichever the header line holds most. Records are numbered as spreadsheet
    rows (the header being 1) or, with ``lines``, by the line where each
    starts in the file. Raises RegistryError, with the file and row, when the
    file is missing, empty, or not CSV.
    """
    path = Path(path)
    source = path.name
    try:
        data = path.read_bytes()
    except OSError:
        raise RegistryError(_("%(path)s is not a file.") % {"path": path}) from None
    text, encoding = _decode(data, source)
    delimiter = _delimiter(text)
    handle = io.StringIO(text, newline="")
    reader = csv.reader(handle, delimiter=delimiter)
    header, rows, number = None, [], 1
    while True:
        start = handle.tell()
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problem = _csv_problem(
                source, line if lines else number, header or [], error, text, start, delimiter
            )
            raise RegistryError(str(problem)) from None
        if header is None:
            header = [value.strip().lstrip("\ufeff").lower() for value in values]
        else:
            rows.append((line if lines else number, values))
        number += 1
    if header is None:
        raise RegistryError(_("%(source)s is empty.") % {"source": source})
    return CsvTable(source, header, rows, encoding, delimiter)


def _read_workbook(path):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise RegistryError(
            _("%(path)s cannot be read as a workbook: %(error)s") % {"path": path, "error": error}
        ) from None
    if "units" not in workbook.sheetnames:
        raise RegistryError(_("The workbook has no sheet named units."))
    sheets = {}
    for sheet in COLUMNS:
        if sheet not in workbook.sheetnames:
            continue
        rows = workbook[sheet].iter_rows(values_only=True)
        header = next(rows, None) or []
        source = f"{path.name}:{sheet}"
        sheets[sheet] = (source, _rows(sheet, source, header, rows))
    workbook.close()
    return sheets


# Validating and writing ----------------------------------------------------


class _Places:
    """Provinces, counties and parks by folded name; new ones are made on demand."""

    def __init__(self, report):
        self.report = report
        self.provinces = {}
        for province in Province.objects.all():
            self.provinces[normalize(province.name_fa)] = province
            if province.name_en:
                self.provinces[normalize(province.name_en)] = province
        # Compacted, as everywhere: «اسد آباد» is «اسدآباد».
        self.counties = {(c.province_id, compact(c.name_fa)): c for c in County.objects.all()}
        self.parks = {(p.county_id, compact(p.name_fa)): p for p in IndustrialPark.objects.all()}

    def province(self, name):
        return self.provinces.get(normalize(name))

    def county(self, province, name):
        key = (province.pk, compact(name))
        if key not in self.counties:
            self.counties[key] = County.objects.create(
                province=province, name_fa=persian_letters(name)
            )
            self.report.new_counties.append(f"{province.name_fa} / {name}")
        return self.counties[key]

    def park(self, county, name):
        key = (county.pk, compact(name))
        if key not in self.parks:
            self.parks[key] = IndustrialPark.objects.create(
                county=county, name_fa=persian_letters(name)
            )
            self.report.new_parks.append(f"{county.name_fa} / {name}")
        return self.parks[key]


UNIT_ALIASES = {normalize(str(label)): value for value, label in AmountUnit.choices}
UNIT_ALIASES.update({value: value for value in AmountUnit.values})
UNIT_ALIASES.update(
    {
        normalize(w): v
        for w, v in [
            ("کیلوگرم", "kg"),
            ("کیلو", "kg"),
            ("تن", "ton"),
            ("لیتر", "litre"),
            ("متر", "m"),
            ("متر مربع", "m2"),
            ("مترمربع", "m2"),
            ("متر مکعب", "m3"),
            ("عدد", "piece"),
            ("جفت", "pair"),
            ("دست", "set"),
            ("بسته", "pack"),
            ("رول", "roll"),
        ]
    }
)


class _Checker:
    def __init__(self, report, source, number, row, limits):
        self.report, self.source, self.number = report, source, number
        self.ok = True
        self.limits = limits
        for column, value in row.items():
            if "\x00" in value:
                self.fail(column, _("holds a NUL character"))

    def fail(self, column, reason):
        self.ok = False
        self.report.problems.append(Problem(self.source, self.number, column, str(reason)))

    def text(self, row, column, *, required=False):
        value = row[column]
        limit = self.limits.get(column, 200)
        if required and not value:
            self.fail(column, _("is empty"))
        elif len(value) > limit:
            self.fail(column, _("is longer than %(n)d characters") % {"n": limit})
        return value

    def category(self, categories, row, column):
        code = to_ascii_digits(row[column]).strip()
        if not code:
            return None
        if not (code.isdigit() and 2 <= len(code) <= 4) or code not in categories:
            self.fail(column, _("%(code)s is not an ISIC code of 2 to 4 digits") % {"code": code})
            return None
        return categories[code]

    def amount(self, row, column):
        value = to_ascii_digits(row[column]).replace(",", "").strip()
        if not value:
            return None
        try:
            amount = decimal.Decimal(value)
            if not amount.is_finite():
                raise decimal.InvalidOperation
            amount = amount.quantize(decimal.Decimal("0.01"))
        except decimal.InvalidOperation:
            self.fail(column, _("%(value)s is not a number") % {"value": row[column]})
            return None
        if amount <= 0 or amount >= 10**10:
            self.fail(column, _("must be more than zero and less than ten billion"))
            return None
        return amount

    def unit(self, row, amount):
        value = row["unit"].strip()
        if not value:
            if amount is not None:
                self.fail("unit", _("is needed with an amount"))
            return ""
        unit = UNIT_ALIASES.get(normalize(value))
        if unit is None:
            self.fail(
                "unit", _("%(value)s is not a known unit (kg, ton, piece …)") % {"value": value}
            )
            return ""
        return unit


# Past this many rows written, the matching engine is asked for one full
# rematch: quicker than following each row, and what a province's first
# import needs.
WHOLE_REGISTRY = 2000


def import_registry(path, *, skip_invalid=False, dry_run=False, progress=None):
    """Read, validate and (when clean, or with ``skip_invalid``) write a registry.

    Side effects: creates or updates Exhibitor, Product and Need rows and
    creates missing counties and parks, all in one transaction. Returns a Report.
    ``dry_run``: everything is done and counted, then rolled back: the report
    says what an import would create, update and leave, and its bad rows.
    ``progress``: called with (sheet, its rows) as each sheet begins.
    """
    report = Report()
    sheets = read(path, report.formats)
    with transaction.atomic():
        _import(sheets, report, skip_invalid, progress or (lambda sheet, rows: None))
        if dry_run:
            transaction.set_rollback(True)
            report.written_at = time.monotonic()
            return report
        if report.problems and not skip_invalid:
            transaction.set_rollback(True)
            report.new_counties.clear()
            report.new_parks.clear()
            report.counts.clear()
        else:
            report.written = True
    if report.written and connection.vendor == "postgresql":
        # Fresh statistics, or the planner guesses one row and joins before limiting.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE exhibitors_exhibitor, exhibitors_product, exhibitors_need")
    report.written_at = time.monotonic()
    if report.written and any(c["created"] or c["updated"] for c in report.counts.values()):
        # What changed is recomputed (all of it past a few thousand needs), now
        # (committed, outside a transaction) or when the caller's commits.
        written = report.changed
        if sum(map(len, written.values())) > WHOLE_REGISTRY:
            changes.changed(everything=True)
        else:
            changes.changed(
                units=written["units"], needs=written["needs"], products=written["products"]
            )
            if written["new_products"]:
                changes.changed(products=written["new_products"], created=True)
    return report


def _import(sheets, report, skip_invalid, progress):
    places = _Places(report)
    categories = {c.code: c for c in Category.objects.all()}
    source, rows = sheets["units"]
    progress("units", len(rows))
    units = {u.national_id: u for u in Exhibitor.objects.select_related("county", "park")}
    good_units, bad_units = {}, set()
    writes = {"created": [], "updated": [], "unchanged": 0}
    seen = set()
    for number, row in rows:
        check = _Checker(report, source, number, row, LIMITS["units"])
        try:
            national_id = clean_national_id(row["national_id"])
        except ValidationError as error:
            check.fail("national_id", error.messages[0])
            national_id = None
        if national_id and national_id in seen:
            check.fail("national_id", _("appears twice in this file"))
        seen.add(national_id)
        name = persian_letters(check.text(row, "name", required=True))
        province = places.province(row["province"]) if row["province"] else None
        if province is None:
            check.fail("province", _("%(value)s is not a province") % {"value": row["province"]})
        check.text(row, "county", required=True)
        check.text(row, "industrial_park")
        category = check.category(categories, row, "isic")
        phones = {}
        # One cell may hold a landline and a mobile: "081… / 0918…".
        for typed in filter(None, PHONE_SEPARATORS.split(row["phone"])):
            try:
                phone = clean_phone(typed)
            except ValidationError as error:
                check.fail("phone", error.messages[0])
            else:
                phones["mobile" if phone.startswith("09") else "phone"] = phone
        if row.get("mobile"):
            # The mobile column wins over a mobile written in the phone cell.
            try:
                phones["mobile"] = clean_mobile(row["mobile"])
            except ValidationError as error:
                check.fail("mobile", error.messages[0])
        # Present columns only: a file without them leaves brand and description as they are.
        optional = {
            field: check.text(row, field) for field in ("brand", "description") if field in row
        }
        if "brand" in optional:
            optional["brand"] = persian_letters(optional["brand"])
        email = check.text(row, "email")
        if email:
            try:
                EmailValidator()(email)
            except ValidationError:
                check.fail("email", _("%(value)s is not an email address") % {"value": email})
        website = check.text(row, "website")
        if website:
            website = website if "://" in website else f"https://{website}"
            try:
                URLValidator(schemes=["http", "https"])(website)
            except ValidationError:
                check.fail("website", _("%(value)s is not a web address") % {"value": website})
        if not check.ok:
            bad_units.add(national_id)
            continue
        county = places.county(province, row["county"])
        park = places.park(county, row["industrial_park"]) if row["industrial_park"] else None
        values = {
            "legal_name": name,
            "county": county,
            "park": park,
            "category": category,
            "email": email,
            "website": website,
            **phones,
            **optional,
        }
        good_units[national_id] = _unit(units.get(national_id), national_id, values, writes)
    _write_units(writes, report)

    for sheet, model in (("products", Product), ("needs", Need)):
        if sheet in sheets:
            progress(sheet, len(sheets[sheet][1]))
            _import_items(
                sheets[sheet],
                sheet,
                model,
                (good_units, bad_units, units),
                categories,
                places,
                report,
            )


def _differs(obj, values):
    """Whether any value differs; related rows by id, so that nothing is fetched."""
    for key, value in values.items():
        field = obj._meta.get_field(key)
        if field.is_relation:
            if getattr(obj, field.attname) != (value.pk if value is not None else None):
                return True
        elif getattr(obj, key) != value:
            return True
    return False


UNIT_FIELDS = [
    "legal_name",
    "county",
    "park",
    "category",
    "email",
    "website",
    "phone",
    "mobile",
    "brand",
    "description",
]


def _unit(unit, national_id, values, writes):
    """The unit to hold the row's values, queued in ``writes`` when new or changed."""
    if unit is None:
        unit = Exhibitor(national_id=national_id, **values)
        writes["created"].append(unit)
    elif _differs(unit, values):
        for key, value in values.items():
            setattr(unit, key, value)
        writes["updated"].append(unit)
    else:
        writes["unchanged"] += 1
    return unit


def _write_units(writes, report):
    # Bulk writes skip save(): set the search text here.
    for unit in writes["created"] + writes["updated"]:
        unit.name_key = normalize(f"{unit.brand} {unit.legal_name}")
        unit.search_text = search_text(unit.legal_name, unit.brand, description=unit.description)
    Exhibitor.objects.bulk_create(writes["created"], batch_size=2000)
    Exhibitor.objects.bulk_update(
        writes["updated"], [*UNIT_FIELDS, "name_key", "search_text"], batch_size=2000
    )
    report.changed["units"] += [unit.pk for unit in writes["created"] + writes["updated"]]
    report.count("units", "created", len(writes["created"]))
    report.count("units", "updated", len(writes["updated"]))
    report.count("units", "unchanged", writes["unchanged"])


def _import_items(sheet_rows, sheet, model, units, categories, places, report):
    good_units, bad_units, units = units
    source, rows = sheet_rows
    existing = {(item.exhibitor_id, compact(item.name)): item for item in model.objects.all()}
    new, changed, seen = [], [], set()
    for number, row in rows:
        check = _Checker(report, source, number, row, LIMITS["items"])
        try:
            national_id = clean_national_id(row["national_id"])
        except ValidationError as error:
            check.fail("national_id", error.messages[0])
            national_id = None
        unit = good_units.get(national_id) or units.get(national_id)
        if national_id in bad_units:
            check.fail("national_id", _("the row of this unit in units has errors"))
        elif national_id and unit is None:
            check.fail("national_id", _("no unit has this national ID"))
        name = persian_letters(check.text(row, "name", required=True))
        category = check.category(categories, row, "category")
        description = check.text(row, "description")
        amount = check.amount(row, AMOUNT_COLUMN[sheet])
        amount_unit = check.unit(row, amount)
        source_province = None
        if sheet == "needs" and row["current_source_province"]:
            source_province = places.province(row["current_source_province"])
            if source_province is None:
                check.fail(
                    "current_source_province",
                    _("%(value)s is not a province") % {"value": row["current_source_province"]},
                )
        key = (unit.pk if unit else None, compact(name))
        if check.ok and key in seen:
            check.fail("name", _("appears twice for this unit in this file"))
        seen.add(key)
        if not check.ok:
            continue
        values = {
            "category": category,
            "description": description,
            "monthly_amount": amount,
            "amount_unit": amount_unit,
        }
        if sheet == "needs":
            values["current_source_province"] = source_province
        item = existing.get(key)
        if item is None:
            item = model(exhibitor=unit, name=name, **values)
            item.name_key = normalize(name)
            item.search_text = search_text(name, description=description)
            new.append(item)
            report.count(sheet, "created")
        elif _differs(item, values):
            for k, v in values.items():
                setattr(item, k, v)
            item.search_text = search_text(item.name, description=item.description)
            changed.append(item)
            report.count(sheet, "updated")
        else:
            report.count(sheet, "unchanged")
    # search_text is set above: bulk writes skip save().
    model.objects.bulk_create(new, batch_size=2000)
    fields = ["category", "description", "monthly_amount", "amount_unit", "search_text"]
    if sheet == "needs":
        fields.append("current_source_province")
    model.objects.bulk_update(changed, fields, batch_size=2000)
    if sheet == "products":
        report.changed["new_products"] += [item.pk for item in new]
        report.changed["products"] += [item.pk for item in changed]
    else:
        report.changed["needs"] += [item.pk for item in new + changed]


# Exporting -----------------------------------------------------------------


def _escape(value):
    value = "" if value is None else str(value)
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _amount(value):
    if value is None:
        return ""
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def export_rows():
    """{sheet: [row lists]} in the import's columns, header first."""
    units = Exhibitor.objects.select_related("county__province", "park", "category").order_by(
        "national_id"
    )
    sheets = {sheet: [COLUMNS[sheet] + OPTIONAL_COLUMNS.get(sheet, [])] for sheet in COLUMNS}
    for unit in units.iterator(chunk_size=2000):
        sheets["units"].append(
            [
                unit.national_id,
                unit.legal_name,
                unit.county.province.name_fa,
                unit.county.name_fa,
                unit.park.name_fa if unit.park_id else "",
                unit.category.code if unit.category_id else "",
                unit.phone,
                unit.email,
                unit.website,
                unit.brand,
                unit.mobile,
                unit.description,
            ]
        )
    for sheet, model in (("products", Product), ("needs", Need)):
        items = model.objects.select_related("exhibitor", "category").order_by(
            "exhibitor__national_id", "name"
        )
        if model is Need:
            items = items.select_related("current_source_province")
        for item in items.iterator(chunk_size=2000):
            row = [
                item.exhibitor.national_id,
                item.name,
                item.category.code if item.category_id else "",
                item.description,
                _amount(item.monthly_amount),
                item.amount_unit,
            ]
            if model is Need:
                province = item.current_source_province
                row.append(province.name_fa if province else "")
            sheets[sheet].append(row)
    return {sheet: [[_escape(v) for v in row] for row in rows] for sheet, rows in sheets.items()}


def export_registry(path):
    """Write the registry to a folder of CSV files or, for a .xlsx path, a workbook."""
    path = Path(path)
    sheets = export_rows()
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        workbook = Workbook(write_only=True)
        for sheet, rows in sheets.items():
            worksheet = workbook.create_sheet(sheet)
            for row in rows:
                # Control characters typed on the web have no place in a workbook.
                worksheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) for value in row])
        workbook.save(path)
    else:
        path.mkdir(parents=True, exist_ok=True)
        for sheet, rows in sheets.items():
            # With a BOM, so that spreadsheet programs read the Persian correctly.
            with (path / f"{sheet}.csv").open("w", encoding="utf-8-sig", newline="") as handle:
                csv.writer(handle).writerows(rows)
    return {sheet: len(rows) - 1 for sheet, rows in sheets.items()}
