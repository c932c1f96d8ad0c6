"""match_report: an interface, and it works straight after the two imports."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from exhibitors.tests.factories import valid_national_id

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

UNITS = "national_id,name,province,county,industrial_park,isic,phone,email,website\n"
PRODUCTS = "national_id,name,category,description,monthly_capacity,unit\n"
NEEDS = "national_id,name,category,description,monthly_quantity,unit,current_source_province\n"


@pytest.fixture
def imported(tmp_path):
    ids = [valid_national_id(n) for n in (7001, 7002, 7003)]
    (tmp_path / "units.csv").write_text(
        UNITS
        + f"{ids[0]},کفش‌دوزی آزمایشی,همدان,همدان,شهرک صنعتی بوعلی,1520,,,\n"
        + f"{ids[1]},چرم‌سازی همسایه,همدان,همدان,شهرک صنعتی بوعلی,1511,,,\n"
        + f"{ids[2]},چرم تهران,تهران,تهران,,1511,,,\n",
        encoding="utf-8",
    )
    (tmp_path / "products.csv").write_text(
        PRODUCTS + f"{ids[1]},چرم گاوی,1511,رویه کفش,1000,m2\n{ids[2]},چرم گاوی,1511,رویه کفش,,\n",
        encoding="utf-8",
    )
    (tmp_path / "needs.csv").write_text(
        NEEDS + f"{ids[0]},چرم گاوي,1511,,500,m2,تهران\n{ids[0]},و,,,,,\n", encoding="utf-8"
    )
    call_command("import_directory", str(tmp_path), stdout=io.StringIO())
    plan = tmp_path / "plan.csv"
    plan.write_text(
        f"hall,code,x,y,width,height,national_id\nA,A-01,0,0,3,3,{ids[0]}\nA,A-02,3,0,3,3,{ids[1]}\n",
        encoding="utf-8",
    )
    call_command(
        "import_floorplan", "fair-x", str(plan), "--title", "نمایشگاه", stdout=io.StringIO()
    )
    return ids


def report(*args):
    out = io.StringIO()
    call_command("match_report", *args, stdout=out)
    return out.getvalue()


def test_the_json_report_after_the_imports_without_a_rematch(imported):
    data = json.loads(report("--fair", "fair-x"))
    assert set(data) == {"fair", "generated_at", "needs"} and data["fair"] == "fair-x"
    assert data["generated_at"][:4].isdigit() and "T" in data["generated_at"]
    first = data["needs"][0]
    assert set(first) == {"national_id", "exhibitor", "need", "matches"}
    assert (first["national_id"], first["need"]) == (imported[0], "چرم گاوی")
    best, second = first["matches"]
    assert set(best) == {"national_id", "exhibitor", "product", "score", "proximity", "reasons"}
    assert (best["national_id"], best["proximity"]) == (imported[1], "neighbour_booth")
    assert (second["national_id"], second["proximity"]) == (imported[2], "other")
    assert 0 <= second["score"] < best["score"] <= 1
    assert all(isinstance(r, str) and r for r in best["reasons"])
    # The need of stop words only is listed, with nothing matched.
    assert [n["matches"] for n in data["needs"] if n["need"] == "و"] == [[]]


def test_without_a_fair_the_closest_tier_is_the_park_and_limit_cuts(imported):
    data = json.loads(report("--limit", "1"))
    assert data["fair"] is None
    matches = next(n["matches"] for n in data["needs"] if n["matches"])
    assert [(m["national_id"], m["proximity"]) for m in matches] == [(imported[1], "same_park")]


def test_the_csv_report_has_one_row_per_match(imported):
    rows = list(csv.DictReader(io.StringIO(report("--fair", "fair-x", "--format", "csv"))))
    assert len(rows) == 2
    assert rows[0]["need_national_id"] == imported[0] and rows[0]["proximity"] == "neighbour_booth"
    assert float(rows[0]["score"]) > float(rows[1]["score"])
    assert set(rows[0]) >= {"national_id", "exhibitor", "product", "score", "proximity", "reasons"}


def test_an_unknown_fair_or_a_bad_limit_is_an_error(imported):
    with pytest.raises(CommandError, match="nope"):
        report("--fair", "nope")
    with pytest.raises(CommandError):
        report("--limit", "0")
    with pytest.raises(CommandError):
        report("--format", "xml")


def test_the_report_query_count_stays_flat_as_matches_grow(imported):
    """Reasons are built when the report is written: from rows already loaded."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from exhibitors.models import Exhibitor, Need
    from exhibitors.tests.factories import category, make_exhibitor, make_need, make_product
    from matching import engine

    def queries():
        with CaptureQueriesContext(connection) as captured:
            call_command("match_report", "--format", "json", stdout=io.StringIO())
        return len(captured)

    few = queries()
    buyer = Exhibitor.objects.order_by("pk").first()
    for i in range(30):
        make_product(make_exhibitor(), name=f"کارتن پنج لایه {i}", category=category("1702"))
        make_need(buyer, name=f"کارتن {i} لایه", category=category("1702"))
    engine.rematch()
    assert Need.objects.count() > 30
    assert queries() == few


def test_a_re_import_recomputes_only_what_it_changed(imported, tmp_path, monkeypatch):
    from exhibitors.models import Need, Product
    from matching import engine
    from matching.models import Match

    def no_full_rematch(*args, **kwargs):
        raise AssertionError("a small re-import must not rematch everything")

    monkeypatch.setattr(engine, "rematch", no_full_rematch)
    ids = imported
    (tmp_path / "products.csv").write_text(
        PRODUCTS
        + f"{ids[1]},چرم گاوی,1511,رویه کفش,1000,m2\n{ids[2]},چرم گاوی,1511,رویه کفش,,\n"
        + f"{ids[1]},چرم گاوی براق,1511,رویه کفش,,\n",
        encoding="utf-8",
    )
    call_command("import_directory", str(tmp_path), stdout=io.StringIO())
    shiny = Product.objects.get(name="چرم گاوی براق")
    # The new product is offered to the need it serves; what was there stands.
    need = Need.objects.get(name="چرم گاوی")  # stored with the Persian ی
    assert Match.objects.filter(need=need, product=shiny).exists()
    assert Match.objects.filter(need=need, product__name="چرم گاوی").count() == 4


def test_a_large_import_rematches_once(tmp_path, monkeypatch):
    from exhibitors import registry
    from matching import engine

    calls = []
    real = engine.rematch
    monkeypatch.setattr(registry, "WHOLE_REGISTRY", 2)
    monkeypatch.setattr(engine, "rematch", lambda *a, **k: calls.append(1) or real(*a, **k))
    ids = [valid_national_id(n) for n in (7101, 7102)]
    (tmp_path / "units.csv").write_text(
        UNITS
        + f"{ids[0]},کفش‌دوزی دوم,همدان,همدان,,1520,,,\n"
        + f"{ids[1]},چرم‌سازی دوم,همدان,همدان,,1511,,,\n",
        encoding="utf-8",
    )
    (tmp_path / "products.csv").write_text(
        PRODUCTS + f"{ids[1]},چرم گاوی,1511,,,\n", encoding="utf-8"
    )
    (tmp_path / "needs.csv").write_text(NEEDS + f"{ids[0]},چرم گاوی,1511,,,,\n", encoding="utf-8")
    call_command("import_directory", str(tmp_path), stdout=io.StringIO())
    assert calls == [1]
