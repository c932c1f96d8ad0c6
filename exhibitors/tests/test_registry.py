import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from exhibitors.models import County, Exhibitor, IndustrialPark, Need, Product
from exhibitors.tests.factories import make_exhibitor, make_product

pytestmark = pytest.mark.django_db

UNITS = [
    "national_id",
    "name",
    "province",
    "county",
    "industrial_park",
    "isic",
    "phone",
    "email",
    "website",
]
PRODUCTS = ["national_id", "name", "category", "description", "monthly_capacity", "unit"]
NEEDS = [
    "national_id",
    "name",
    "category",
    "description",
    "monthly_quantity",
    "unit",
    "current_source_province",
]
GOOD_UNITS = [
    [
        "10380284790",
        "شركت كارتن الوند",
        "همدان",
        "همدان",
        "شهرک صنعتی بوعلی",
        "1702",
        "081-38271234",
        "info@alvand.ir",
        "alvand.ir",
    ],
    ["۱۴۰۰۰۰۰۱۵۱۵", "دباغی نمونه", "Hamedan", "ملایر", "", "15", "09181234567", "", ""],
]


def write(folder, sheet, header, rows, bom=False):
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{sheet}.csv").open(
        "w", encoding="utf-8-sig" if bom else "utf-8", newline=""
    ) as f:
        csv.writer(f).writerows([header, *rows])


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "registry"
    write(path, "units", UNITS, GOOD_UNITS, bom=True)
    write(
        path,
        "products",
        PRODUCTS,
        [
            ["10380284790", "کارتن پنج‌لایه", "1702", "مقاوم", "۱۲٬۵۰۰", "عدد"],
            ["14000001515", "چرم گاوی", "1511", "", "2.5", "ton"],
        ],
    )
    write(
        path,
        "needs",
        NEEDS,
        [["10380284790", "کاغذ کرافت", "1701", "", "40", "ton", "اصفهان"]],
    )
    return path


def run(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_directory", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_folder_is_imported_and_a_second_run_changes_nothing(folder):
    out, _err = run(folder)
    assert "units: 2 created, 0 updated, 0 unchanged" in out
    assert "products: 2 created" in out and "needs: 1 created" in out
    unit = Exhibitor.objects.get(national_id="10380284790")
    assert (unit.legal_name, unit.phone, unit.website) == (
        "شرکت کارتن الوند",
        "08138271234",
        "https://alvand.ir",
    )
    assert Exhibitor.objects.get(national_id="14000001515").mobile == "09181234567"
    product = Product.objects.get(name="کارتن پنج‌لایه")
    assert (product.monthly_amount, product.amount_unit) == (12500, "piece")
    assert Need.objects.get().current_source_province.name_fa == "اصفهان"

    out, _err = run(folder)
    assert "units: 0 created, 0 updated, 2 unchanged" in out
    assert "products: 0 created, 0 updated, 2 unchanged" in out
    assert "needs: 0 created, 0 updated, 1 unchanged" in out


def test_products_are_matched_by_unit_and_name_whatever_the_spelling(folder):
    run(folder)
    write(
        folder,
        "products",
        PRODUCTS,
        [["10380284790", "کارتن پنج لايه", "1702", "مقاوم‌تر", "12500", "piece"]],
    )
    out, _err = run(folder)
    assert "products: 0 created, 1 updated" in out
    assert Product.objects.get(exhibitor__national_id="10380284790").description == "مقاوم‌تر"


def test_a_missing_county_or_park_is_created_and_reported(folder):
    (folder / "products.csv").unlink()
    (folder / "needs.csv").unlink()
    write(
        folder,
        "units",
        UNITS,
        [["10380284790", "واحد", "همدان", "شهرستان تازه", "شهرک تازه", "", "", "", ""]],
    )
    out, _err = run(folder)
    county = County.objects.get(name_fa="شهرستان تازه")
    assert IndustrialPark.objects.get(name_fa="شهرک تازه").county == county
    assert "new county: همدان / شهرستان تازه" in out and "new industrial park" in out


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (["10380284791", "واحد", "همدان", "همدان", "", "", "", "", ""], "national_id"),
        (["10380284790", "", "همدان", "همدان", "", "", "", "", ""], "name"),
        (["10380284790", "واحد", "آتلانتیس", "همدان", "", "", "", "", ""], "province"),
        (["10380284790", "واحد", "همدان", "", "", "", "", "", ""], "county"),
        (["10380284790", "واحد", "همدان", "همدان", "", "12345", "", "", ""], "isic"),
        (["10380284790", "واحد", "همدان", "همدان", "", "1", "", "", ""], "isic"),
        (["10380284790", "واحد", "همدان", "همدان", "", "", "12", "", ""], "phone"),
        (["10380284790", "واحد", "همدان", "همدان", "", "", "", "not-mail", ""], "email"),
        (["10380284790", "و" * 300, "همدان", "همدان", "", "", "", "", ""], "name"),
    ],
)
def test_a_bad_unit_row_is_reported_by_file_row_and_column_and_nothing_is_written(
    tmp_path, row, column
):
    folder = tmp_path / "bad"
    write(folder, "units", UNITS, [GOOD_UNITS[1], row])
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_directory", str(folder), stdout=StringIO(), stderr=err)
    assert f"units.csv:3: {column}: " in err.getvalue()
    assert not Exhibitor.objects.exists()
    assert not County.objects.filter(name_fa="").exists()


def test_the_report_names_file_row_column_and_reason(tmp_path):
    folder = tmp_path / "bad"
    write(
        folder,
        "units",
        UNITS,
        [GOOD_UNITS[1], ["10380284791", "واحد", "همدان", "همدان", "", "", "", "", ""]],
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_directory", str(folder), stdout=StringIO(), stderr=err)
    assert "units.csv:3: national_id: " in err.getvalue()


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (["10380284799", "کارتن", "", "", "", ""], "national_id"),
        (["10380284790", "", "", "", "", ""], "name"),
        (["10380284790", "کارتن", "17020", "", "", ""], "category"),
        (["10380284790", "کارتن", "", "", "ده", "kg"], "monthly_capacity"),
        (["10380284790", "کارتن", "", "", "-5", "kg"], "monthly_capacity"),
        (["10380284790", "کارتن", "", "", "5", ""], "unit"),
        (["10380284790", "کارتن", "", "", "5", "furlong"], "unit"),
    ],
)
def test_a_bad_product_row_is_reported_and_nothing_is_written(folder, row, column):
    write(folder, "products", PRODUCTS, [row])
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_directory", str(folder), stdout=StringIO(), stderr=err)
    assert f"products.csv:2: {column}: " in err.getvalue()
    assert not Exhibitor.objects.exists() and not Product.objects.exists()


def test_an_unknown_source_province_is_a_bad_need_row(folder):
    write(folder, "needs", NEEDS, [["10380284790", "کاغذ", "", "", "", "", "مریخ"]])
    with pytest.raises(CommandError):
        run(folder)
    assert not Need.objects.exists()


def test_skip_invalid_writes_the_good_rows_and_reports_the_bad(folder):
    write(folder, "units", UNITS, [*GOOD_UNITS, ["1", "بد", "همدان", "همدان", "", "", "", "", ""]])
    out, err = run(folder, "--skip-invalid")
    assert Exhibitor.objects.count() == 2
    assert "units.csv:4: national_id" in err and "1 bad rows skipped" in out


def test_a_workbook_imports_like_a_folder(tmp_path):
    workbook = Workbook()
    workbook.active.title = "units"
    workbook["units"].append(UNITS)
    workbook["units"].append([*GOOD_UNITS[0][:5], 1702, *GOOD_UNITS[0][6:]])  # a number cell
    products = workbook.create_sheet("products")
    products.append(PRODUCTS)
    products.append(["10380284790", "کارتن", "1702", "", 500, "kg"])
    path = tmp_path / "registry.xlsx"
    workbook.save(path)
    out, _err = run(path)
    assert "units: 1 created" in out and "products: 1 created" in out
    assert Exhibitor.objects.get().category.code == "1702"


@pytest.mark.parametrize("name", ["nothing-here", "registry.ods"])
def test_a_path_that_is_no_folder_or_workbook_is_a_clear_error(tmp_path, name):
    with pytest.raises(CommandError, match="نه پوشه است و نه کارپوشه"):
        run(tmp_path / name)


def test_a_folder_without_units_or_with_missing_columns_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CommandError, match=r"units\.csv"):
        run(tmp_path / "empty")
    write(tmp_path / "cols", "units", ["national_id", "name"], [])
    with pytest.raises(CommandError, match="province, county"):
        run(tmp_path / "cols")


@pytest.mark.parametrize("suffix", ["", ".xlsx"])
def test_export_then_import_is_a_round_trip_and_formulas_are_neutralized(folder, tmp_path, suffix):
    run(folder)
    unit = make_exhibitor(legal_name='=HYPERLINK("http://x")', national_id="14000001520")
    make_product(
        unit, name="+cmd|' /C calc'!A0", description="@SUM(1)", monthly_amount=3, amount_unit="kg"
    )
    target = tmp_path / f"export{suffix}"
    call_command("export_directory", str(target), stdout=StringIO())
    if suffix:
        cells = [c.value for row in load_workbook(target)["units"].iter_rows() for c in row]
        assert all(not str(v).startswith(("=", "+", "@")) for v in cells if v)
        assert '\'=HYPERLINK("http://x")' in cells
    else:
        text = (target / "products.csv").read_text(encoding="utf-8-sig")
        assert "'+cmd" in text and "'@SUM(1)" in text
    out, _err = run(target)
    assert "0 created, 0 updated" in out and " 3 unchanged" in out
    assert Exhibitor.objects.get(national_id="14000001520").legal_name.startswith("=HYPERLINK")


def test_a_large_registry_imports_in_bulk_with_a_bounded_number_of_queries(
    tmp_path, django_assert_max_num_queries
):
    folder = tmp_path / "big"
    units = [GOOD_UNITS[0]]
    write(folder, "units", UNITS, units)
    write(
        folder,
        "products",
        PRODUCTS,
        [["10380284790", f"محصول {i}", "1702", "", str(i + 1), "kg"] for i in range(500)],
    )
    with django_assert_max_num_queries(40):
        run(folder)
    assert Product.objects.count() == 500
    assert Product.objects.filter(search_text__contains="محصول").count() == 500


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (["10380284790", "کارتن", "", "", "NaN", "kg"], "monthly_capacity"),
        (["10380284790", "کارتن", "", "", "0.001", "kg"], "monthly_capacity"),
        (["10380284790", "کارتن", "", "", "9999999999.999", "kg"], "monthly_capacity"),
        (["10380284790", "ک" * 121, "", "", "", ""], "name"),
        (["10380284790", "کار\x00تن", "", "", "", ""], "name"),
    ],
)
def test_odd_amounts_long_names_and_nul_bytes_are_reported_not_crashes(folder, row, column):
    write(folder, "products", PRODUCTS, [row])
    err = StringIO()
    with pytest.raises(CommandError, match="1 bad rows"):
        call_command("import_directory", str(folder), stdout=StringIO(), stderr=err)
    assert f"products.csv:2: {column}: " in err.getvalue()
    assert not Product.objects.exists()


def test_a_long_county_name_is_reported(folder):
    (folder / "products.csv").unlink()
    (folder / "needs.csv").unlink()
    write(folder, "units", UNITS, [["10380284790", "واحد", "همدان", "ش" * 101, "", "", "", "", ""]])
    with pytest.raises(CommandError):
        run(folder)
    assert not County.objects.filter(name_fa="ش" * 101).exists()


def test_a_broken_csv_is_a_clear_error(folder):
    (folder / "units.csv").write_text(
        ",".join(UNITS) + '\n"' + "x" * 200_000 + '",a\n', encoding="utf-8"
    )
    with pytest.raises(CommandError, match="CSV"):
        run(folder)


def test_a_county_typed_with_a_space_is_the_existing_one(folder):
    (folder / "products.csv").unlink()
    (folder / "needs.csv").unlink()
    write(
        folder, "units", UNITS, [["10380284790", "واحد", "همدان", "اسد آباد", "", "", "", "", ""]]
    )
    out, _err = run(folder)
    assert "new county" not in out
    assert Exhibitor.objects.get().county.name_fa == "اسدآباد"


def test_a_unit_with_a_landline_and_a_mobile_keeps_both_through_a_round_trip(folder, tmp_path):
    (folder / "products.csv").unlink()
    (folder / "needs.csv").unlink()
    write(
        folder,
        "units",
        UNITS,
        [["10380284790", "واحد", "همدان", "همدان", "", "", "08138271234 / 09181234567", "", ""]],
    )
    run(folder)
    unit = Exhibitor.objects.get()
    assert (unit.phone, unit.mobile) == ("08138271234", "09181234567")
    call_command("export_directory", str(tmp_path / "out"), stdout=StringIO())
    out, _err = run(tmp_path / "out")
    assert "units: 0 created, 0 updated, 1 unchanged" in out


def test_the_round_trip_reproduces_every_exported_cell(folder, tmp_path):
    run(folder)
    unit = Exhibitor.objects.get(national_id="10380284790")
    unit.description = "متن\x0bبا نویسه کنترلی"
    unit.save()
    call_command("export_directory", str(tmp_path / "one.xlsx"), stdout=StringIO())
    call_command("export_directory", str(tmp_path / "one"), stdout=StringIO())
    before = {
        f: (tmp_path / "one" / f).read_text(encoding="utf-8-sig")
        for f in ("units.csv", "products.csv", "needs.csv")
    }
    out, _err = run(tmp_path / "one.xlsx")
    # A workbook cannot hold the control character: that description loses it.
    assert "units: 0 created, 1 updated, 1 unchanged" in out
    for sheet, n in (("products", 2), ("needs", 1)):
        assert f"{sheet}: 0 created, 0 updated, {n} unchanged" in out
    call_command("export_directory", str(tmp_path / "two"), stdout=StringIO())
    after = {f: (tmp_path / "two" / f).read_text(encoding="utf-8-sig") for f in before}
    assert after == {f: text.replace("\x0b", "") for f, text in before.items()}


EXTRA = ["brand", "mobile", "description"]


def test_brand_mobile_and_description_are_imported_and_exported_after_the_other_columns(
    folder, tmp_path
):
    write(
        folder,
        "units",
        UNITS + EXTRA,
        [
            [*GOOD_UNITS[0], "كارتن الوند", "۰۹۱۸ ۱۲۳ ۴۵۶۷", "کارتن پنج‌لایه برای میوه"],
            [*GOOD_UNITS[1], "", "", ""],
        ],
    )
    out, _err = run(folder)
    assert "units: 2 created" in out
    unit = Exhibitor.objects.get(national_id="10380284790")
    assert (unit.brand, unit.mobile, unit.description) == (
        "کارتن الوند",
        "09181234567",
        "کارتن پنج‌لایه برای میوه",
    )
    assert "میوه" in unit.search_text
    # An empty mobile cell leaves the mobile that the phone cell gave.
    assert Exhibitor.objects.get(national_id="14000001515").mobile == "09181234567"

    call_command("export_directory", str(tmp_path / "out"), stdout=StringIO())
    with (tmp_path / "out" / "units.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == UNITS + EXTRA
    exported = next(row for row in rows if row[0] == "10380284790")
    assert exported[UNITS.index("phone")] == "08138271234"
    assert exported[-3:] == ["کارتن الوند", "09181234567", "کارتن پنج‌لایه برای میوه"]
    out, _err = run(tmp_path / "out")
    assert "units: 0 created, 0 updated, 2 unchanged" in out


@pytest.mark.parametrize("mobile", ["0918123", "08138271234", "۰۹۱۸۱۲۳۴۵۶۷۸"])
def test_a_bad_mobile_is_reported_by_file_row_and_column_and_nothing_is_written(tmp_path, mobile):
    folder = tmp_path / "bad"
    write(
        folder,
        "units",
        UNITS + EXTRA,
        [[*GOOD_UNITS[1], "", "", ""], [*GOOD_UNITS[0], "", mobile, ""]],
    )
    err = StringIO()
    with pytest.raises(CommandError, match="1 bad rows"):
        call_command("import_directory", str(folder), stdout=StringIO(), stderr=err)
    assert "units.csv:3: mobile: شماره همراه را مانند" in err.getvalue()
    assert not Exhibitor.objects.exists()


def test_a_file_without_brand_mobile_and_description_leaves_them_as_they_are(folder):
    run(folder)
    unit = Exhibitor.objects.get(national_id="10380284790")
    unit.brand, unit.mobile, unit.description = "الوند", "09121112233", "کارتن‌سازی"
    unit.save()
    out, _err = run(folder)
    assert "units: 0 created, 0 updated, 2 unchanged" in out
    unit.refresh_from_db()
    assert (unit.brand, unit.mobile, unit.description) == ("الوند", "09121112233", "کارتن‌سازی")


def test_a_longer_brand_than_the_field_holds_is_reported(tmp_path):
    folder = tmp_path / "long"
    write(folder, "units", UNITS + EXTRA, [[*GOOD_UNITS[0], "ب" * 101, "", ""]])
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_directory", str(folder), stdout=StringIO(), stderr=err)
    assert "units.csv:2: brand: " in err.getvalue()
    assert not Exhibitor.objects.exists()
