"""Registry and floor-plan files as spreadsheet programs save them (issue 13, gap 13).

Windows Excel saves "CSV" in the Arabic Windows code page (cp1256) on a
Persian or Arabic Windows, "CSV UTF-8" with a BOM, and "Unicode Text" in
UTF-16 with a BOM and tabs. Each is read; every CSV error names its file,
row and column.
"""

import codecs
import csv
import io
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils.translation import override

from exhibitors.models import Exhibitor, Need, Product
from exhibitors.registry import RegistryError, read_csv
from exhibitors.tests.factories import make_exhibitor
from fairs.models import Booth
from fairs.tests.factories import make_fair
from portal.lib.text import to_ascii_digits

pytestmark = pytest.mark.django_db

UNITS = ["national_id", "name", "province", "county", "industrial_park", "isic", "phone"]
UNITS += ["email", "website", "description"]
PRODUCTS = ["national_id", "name", "category", "description", "monthly_capacity", "unit"]
NEEDS = [*PRODUCTS[:4], "monthly_quantity", "unit", "current_source_province"]
UNIT_ROWS = [
    [
        "10380284790",
        "شرکت کارتن الوند",
        "همدان",
        "همدان",
        "شهرک صنعتی بوعلی",
        "1702",
        "081-38271234",
        "info@alvand.ir",
        "alvand.ir",
        "کارتن پنج‌لایه، چاپ فلکسو",
    ],
    ["14000001515", "دباغی نمونه", "همدان", "ملایر", "", "15", "09181234567", "", "", "چرم گاوی"],
]
PRODUCT_ROWS = [["10380284790", "کارتن پنج‌لایه", "1702", "مقاوم، «ویژه»", "۱۲۵۰۰", "عدد"]]
NEED_ROWS = [["10380284790", "کاغذ کرافت", "1701", "", "40", "ton", "اصفهان"]]


def excel_bytes(rows, encoding, delimiter=","):
    """The bytes that Windows Excel writes for these rows in ``encoding``."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    text = buffer.getvalue()
    if encoding == "cp1256":
        # The code page has no Persian ی nor Persian digits: Windows writes the
        # Arabic ي and ASCII digits in their place.
        return to_ascii_digits(text.replace("ی", "ي")).encode("cp1256")
    if encoding == "utf-16-le":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    if encoding == "utf-16-be":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return text.encode(encoding)


def registry_folder(tmp_path, encoding, delimiter=","):
    folder = tmp_path / "registry"
    folder.mkdir()
    for name, header, rows in (
        ("units", UNITS, UNIT_ROWS),
        ("products", PRODUCTS, PRODUCT_ROWS),
        ("needs", NEEDS, NEED_ROWS),
    ):
        (folder / f"{name}.csv").write_bytes(excel_bytes([header, *rows], encoding, delimiter))
    return folder


def run(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_directory", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing(command, *args):
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(command, *map(str, args), stdout=StringIO(), stderr=err)
    return str(raised.value), err.getvalue()


@pytest.mark.parametrize(
    ("encoding", "delimiter", "said"),
    [
        ("cp1256", ",", "Windows-1256"),
        ("utf-16-le", "\t", "UTF-16"),
        ("utf-16-be", "\t", "UTF-16"),
        ("utf-8-sig", ";", "UTF-8"),
        ("utf-8", ",", "UTF-8"),
    ],
)
def test_a_registry_saved_by_excel_is_read_and_its_persian_text_round_trips(
    tmp_path, encoding, delimiter, said
):
    folder = registry_folder(tmp_path, encoding, delimiter)

    with override("en"):
        out, err = run(folder)

    assert err == ""
    separated = {",": "commas", ";": "semicolons", "\t": "tabs"}[delimiter]
    for name in ("units.csv", "products.csv", "needs.csv"):
        assert f"{name}: read as {said}" in out and f"cells separated by {separated}." in out
    assert "units: 2 created" in out
    alvand = Exhibitor.objects.get(national_id="10380284790")
    # The Persian ی and the zero-width non-joiner come back as typed, whatever the code page.
    assert alvand.legal_name == "شرکت کارتن الوند"
    assert alvand.description == "کارتن پنج‌لایه، چاپ فلکسو"
    assert alvand.county.name_fa == "همدان" and alvand.park.name_fa == "شهرک صنعتی بوعلی"
    assert Exhibitor.objects.get(national_id="14000001515").county.name_fa == "ملایر"
    product = Product.objects.get()
    assert (product.name, product.description) == ("کارتن پنج‌لایه", "مقاوم، «ویژه»")
    assert product.monthly_amount == 12500
    need = Need.objects.get()
    assert (need.name, need.current_source_province.name_fa) == ("کاغذ کرافت", "اصفهان")
    # The same file again changes nothing: what was read is what was stored.
    with override("en"):
        again, _err = run(folder)
    assert "units: 0 created, 0 updated, 2 unchanged" in again
    assert "products: 0 created, 0 updated, 1 unchanged" in again


def test_the_encoding_read_is_said_in_the_language_of_the_command(tmp_path):
    out, _err = run(registry_folder(tmp_path, "cp1256"))
    # Untranslated until the lead fills the catalogue; the file and code page are there either way.
    assert "units.csv: " in out and "Windows-1256" in out


def test_a_bad_row_of_a_cp1256_file_is_reported_by_file_row_and_column(tmp_path):
    folder = registry_folder(tmp_path, "cp1256")
    rows = [UNITS, UNIT_ROWS[0], [*UNIT_ROWS[1][:3], "ش" * 101, *UNIT_ROWS[1][4:]]]
    (folder / "units.csv").write_bytes(excel_bytes(rows, "cp1256"))
    (folder / "products.csv").unlink()
    (folder / "needs.csv").unlink()

    message, err = failing("import_directory", folder)

    assert "units.csv:3: county: " in err and "1 bad rows" in message
    assert not Exhibitor.objects.exists()


def open_quote_file(path, header, good, broken):
    """A file whose row 3 opens a quote and never closes it: the rest of the file
    (more than the csv module's 131,072 characters) falls into one cell."""
    lines = [",".join(header), ",".join(good)]
    lines.append(",".join(f'"{cell}' if i == 1 else cell for i, cell in enumerate(broken)))
    lines += [",".join(good)] * (csv.field_size_limit() // len(lines[1]) + 10)
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


def test_an_oversized_cell_is_a_translated_error_with_its_file_row_column_and_limit(tmp_path):
    folder = tmp_path / "registry"
    folder.mkdir()
    open_quote_file(folder / "units.csv", UNITS, UNIT_ROWS[0], UNIT_ROWS[1])

    with override("en"):
        message, _err = failing("import_directory", folder)
    assert message.startswith("units.csv:3: name: is longer than 131,072 characters")
    assert "quotation mark left open" in message
    assert "field larger than field limit" not in message

    # In Persian: the same place, the limit in Persian digits, no English from the csv module.
    message, _err = failing("import_directory", folder)
    assert message.startswith("units.csv:3: name: ") and "۱۳۱٬۰۷۲" in message
    assert "field larger" not in message
    assert not Exhibitor.objects.exists()


def test_an_oversized_cell_of_a_floor_plan_names_its_line_and_column(tmp_path):
    fair = make_fair()
    unit = make_exhibitor()
    header = ["hall", "code", "x", "y", "width", "height", "national_id"]
    good = ["A", "A1", "0", "0", "3", "3", unit.national_id]
    path = tmp_path / "plan.csv"
    open_quote_file(path, header, good, ["A", "A2", "3", "0", "3", "3", ""])

    with override("en"):
        message, _err = failing("import_floorplan", fair.slug, path)

    assert message.startswith("plan.csv:3: code: is longer than 131,072 characters")
    assert not Booth.objects.exists()


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("utf-16-le", "\t"), ("cp1256", ";"), ("utf-8-sig", ",")]
)
def test_a_floor_plan_saved_by_excel_is_read(tmp_path, encoding, delimiter):
    fair = make_fair()
    unit = make_exhibitor(legal_name="دباغی نمونه")
    # Other columns are ignored: a note in Persian makes the file cp1256, not ASCII.
    rows = [
        ["hall", "code", "x", "y", "width", "height", "national_id", "note"],
        ["A", "A-۱", "0", "0", "3", "3", unit.national_id, "دباغی نمونه"],
        ["A", "A-2", "۳", "0", "3", "3", "", "خالی"],
    ]
    path = tmp_path / "plan.csv"
    path.write_bytes(excel_bytes(rows, encoding, delimiter))
    out = StringIO()

    with override("en"):
        call_command("import_floorplan", fair.slug, str(path), stdout=out, stderr=StringIO())

    said = {"utf-16-le": "UTF-16", "cp1256": "Windows-1256", "utf-8-sig": "UTF-8"}[encoding]
    assert f"plan.csv: read as {said}" in out.getvalue()
    assert sorted(Booth.objects.values_list("code", "x")) == [("A-1", 0), ("A-2", 3)]
    assert fair.participations.get().exhibitor == unit


# The reader itself ------------------------------------------------------------


PERSIAN = [["نام", "توضیح"], ["کفش‌دوزی ملایر", 'چرم «گاوی»، "ممتاز"'], ["", ""]]


@pytest.mark.parametrize(
    ("encoding", "read_as"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8"),
        ("utf-16-le", "utf-16"),
        ("utf-16-be", "utf-16"),
        ("cp1256", "cp1256"),
    ],
)
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_every_encoding_and_separator_reads_back_the_same_cells(
    tmp_path, encoding, read_as, delimiter
):
    path = tmp_path / "file.csv"
    path.write_bytes(excel_bytes(PERSIAN, encoding, delimiter))

    table = read_csv(path)

    assert (table.encoding, table.delimiter) == (read_as, delimiter)
    assert table.header == ["نام", "توضیح"]
    assert table.rows == [(2, PERSIAN[1]), (3, ["", ""])]


def test_utf_16_without_its_bom_is_recognized(tmp_path):
    path = tmp_path / "file.csv"
    path.write_bytes("name\tcode\r\nکفش\t1\r\n".encode("utf-16-le"))
    table = read_csv(path)
    assert (table.encoding, table.delimiter, table.rows) == ("utf-16", "\t", [(2, ["کفش", "1"])])


def test_rows_are_numbered_as_spreadsheet_rows_or_as_lines(tmp_path):
    path = tmp_path / "file.csv"
    path.write_text('a,b\r\n"two\nlines",x\r\n\r\nc,d\r\n', encoding="utf-8")
    assert [n for n, _cells in read_csv(path).rows] == [2, 3, 4]
    assert [n for n, _cells in read_csv(path, lines=True).rows] == [2, 4, 5]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file.csv is empty"),
        (b"\xef\xbb\xbfa,b\nok,ok\n\xd3,x\n", "file.csv:3: "),
        (codecs.BOM_UTF16_LE + b"a\x00,", "file.csv:1: "),
    ],
)
def test_a_file_that_cannot_be_read_names_itself(tmp_path, content, message):
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    with override("en"), pytest.raises(RegistryError) as raised:
        read_csv(path)
    assert str(raised.value).startswith(message)


def test_a_cell_longer_than_the_limit_in_an_unnamed_column_is_named_by_its_place(tmp_path):
    path = tmp_path / "file.csv"
    path.write_text('a,b\r\n1,2,"' + "x" * 140_000 + '"\r\n', encoding="utf-8")
    with override("en"), pytest.raises(RegistryError) as raised:
        read_csv(path)
    assert str(raised.value).startswith("file.csv:2: cell 3: is longer than 131,072 characters")


def test_utf_8_with_a_damaged_byte_is_refused_at_its_line_not_read_as_cp1256(tmp_path):
    # Read as cp1256, every name would be stored as gibberish: «Ø¯Ø¨Ø§Øº».
    lines = ["name,county", *[f"دباغی نمونه {i},ملایر" for i in range(20)]]
    data = "\n".join(lines).encode("utf-8")
    fifth = data.index("دباغی نمونه 3".encode())  # line 5
    path = tmp_path / "units.csv"
    path.write_bytes(data[:fifth] + b"\xff" + data[fifth + 1 :])

    with override("en"), pytest.raises(RegistryError) as raised:
        read_csv(path)

    assert str(raised.value) == (
        "units.csv:5: file: holds a byte that is not UTF-8 on this line: save it again as CSV UTF-8"
    )
