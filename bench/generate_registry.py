"""Write a realistic registry of production units for import_directory.

    python bench/generate_registry.py --products 100000 OUT_FOLDER

Persian product names are built from word lists (material, form, use), so
that names repeat words the way a real registry does; units spread over
Hamedan's counties and parks and over every ISIC class of sections A, B and
C in exhibitors/data/isic_rev4.csv. Deterministic for a given --seed.
"""

import argparse
import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.lib.identifiers import national_id_check_digit  # noqa: E402  (after the path)

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
COUNTIES = {
    "همدان": ["شهرک صنعتی بوعلی", "شهرک صنعتی بهاران", "ناحیه صنعتی قهاوند", ""],
    "ملایر": ["شهرک صنعتی ملایر ۱", "شهرک صنعتی ملایر ۲ (حاجی‌آباد)", "ناحیه صنعتی جوکار", ""],
    "نهاوند": ["شهرک صنعتی نهاوند", ""],
    "تویسرکان": ["شهرک صنعتی تویسرکان ۱", "ناحیه صنعتی فرسفج", ""],
    "اسدآباد": ["شهرک صنعتی اسدآباد", ""],
    "کبودرآهنگ": ["شهرک صنعتی ویان", ""],
    "رزن": ["شهرک صنعتی رزن", ""],
    "بهار": ["شهرک صنعتی لالجین", "ناحیه صنعتی مهاجران", ""],
    "فامنین": ["ناحیه صنعتی فامنین", ""],
    "درگزین": [""],
}
MATERIALS = [
    "چرم",
    "کاغذ",
    "مقوا",
    "پلاستیک",
    "فولاد",
    "آلومینیوم",
    "مس",
    "چوب",
    "ام\u200cدی\u200cاف",
    "شیشه",
    "سرامیک",
    "لاستیک",
    "پنبه",
    "پشم",
    "سیر",
    "گردو",
    "کشمش",
    "انگور",
    "سیب\u200cزمینی",
    "شیر",
    "ماست",
    "سنگ",
    "سیمان",
    "گچ",
    "رنگ",
    "چسب",
    "لعاب",
    "خاک\u200cرس",
    "نخ",
    "پارچه",
    "فوم",
]
FORMS = [
    "ورق",
    "لوله",
    "پروفیل",
    "کارتن",
    "جعبه",
    "کیسه",
    "فیلم",
    "رول",
    "قطعه",
    "پودر",
    "گرانول",
    "دانه",
    "پرک",
    "کنسانتره",
    "بلوک",
    "کاشی",
    "ظرف",
    "بطری",
    "درب",
    "نوار",
    "صفحه",
    "میلگرد",
    "سیم",
]
QUALITIES = [
    "صنعتی",
    "بهداشتی",
    "خوراکی",
    "ساختمانی",
    "تزئینی",
    "مقاوم",
    "سبک",
    "سنگین",
    "رنگی",
    "شفاف",
    "ضدآب",
    "نسوز",
]
USES = [
    "برای بسته‌بندی",
    "برای کفش",
    "برای مبلمان",
    "برای خودرو",
    "برای صادرات",
    "برای ساختمان",
    "برای لبنیات",
    "برای کشاورزی",
    "",
]
PROVINCES = [
    "تهران",
    "اصفهان",
    "قم",
    "البرز",
    "خراسان\u200cرضوی",
    "فارس",
    "یزد",
    "مرکزی",
    "قزوین",
    "زنجان",
    "کردستان",
    "کرمانشاه",
]
UNITS_OF_AMOUNT = ["kg", "ton", "piece", "m2", "m", "litre", "pack", "roll", "set"]
LEGAL = ["شرکت", "تعاونی", "کارگاه", "مجتمع"]
SUFFIX = ["(سهامی خاص)", "(با مسئولیت محدود)", ""]


def national_id(n):
    first = f"14{n:08d}"[:10]
    first = first[:3] + "1" + first[4:]  # digits 4–9 never all zero
    return first + str(national_id_check_digit(first))


def classes():
    with (ROOT / "exhibitors" / "data" / "isic_rev4.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    sections = {}
    for row in rows:
        if len(row["code"]) == 2:
            sections[row["code"]] = row["parent"]
    return [r["code"] for r in rows if len(r["code"]) == 4 and sections[r["code"][:2]] in "ABC"]


def phone(rng, mobile_rng, share):
    """A landline, and for ``share`` of the units a mobile beside it ("081… / 0918…").
    The mobiles come from a generator of their own: without them, every other
    value is what it always was."""
    landline = f"081{rng.randrange(10**7, 10**8)}"
    if share and mobile_rng.random() < share:
        return f"{landline} / 0918{mobile_rng.randrange(10**6, 10**7)}"
    return landline


def unit_name(rng, n):
    legal, suffix = rng.choice(LEGAL), rng.choice(SUFFIX)
    return f"{legal} {rng.choice(MATERIALS)} {rng.choice(QUALITIES)} {n} {suffix}".strip()


def item_name(rng):
    name = f"{rng.choice(FORMS)} {rng.choice(MATERIALS)} {rng.choice(QUALITIES)}"
    use = rng.choice(USES)
    return f"{name} {use}".strip()


def generate(
    products, out, seed=1405, per_unit=4, needs_per_unit=1, mobiles=0.0, uncategorized=0.0
):
    rng = random.Random(seed)
    mobile_rng = random.Random(seed + 1)
    # Its own stream: with no need left without a category, the registry is the
    # one earlier rounds measured.
    category_rng = random.Random(seed + 2)
    isic = classes()
    out.mkdir(parents=True, exist_ok=True)
    unit_count = max(1, products // per_unit)
    units, product_rows, need_rows = [], [], []
    for u in range(unit_count):
        nid = national_id(u + 1)
        county = rng.choice(list(COUNTIES))
        code = rng.choice(isic)
        units.append(
            [
                nid,
                unit_name(rng, u),
                "همدان",
                county,
                rng.choice(COUNTIES[county]),
                code,
                phone(rng, mobile_rng, mobiles),
                "",
                "",
            ]
        )
        names = set()
        while len(names) < per_unit and len(product_rows) < products:
            name = item_name(rng)
            if name in names:
                continue
            names.add(name)
            product_rows.append(
                [
                    nid,
                    name,
                    code,
                    f"{name} با کیفیت {rng.choice(QUALITIES)}",
                    str(rng.randrange(1, 50000)),
                    rng.choice(UNITS_OF_AMOUNT),
                ]
            )
        needs = set()
        while len(needs) < needs_per_unit:
            need = item_name(rng)
            if need in needs:
                continue
            needs.add(need)
            need_code = rng.choice(isic)
            need_rows.append(
                [
                    nid,
                    need,
                    "" if category_rng.random() < uncategorized else need_code,
                    "",
                    str(rng.randrange(1, 9000)),
                    rng.choice(UNITS_OF_AMOUNT),
                    rng.choice(PROVINCES).replace("‌", " "),
                ]
            )
    for sheet, header, rows in (
        ("units", UNITS, units),
        ("products", PRODUCTS, product_rows),
        ("needs", NEEDS, need_rows),
    ):
        with (out / f"{sheet}.csv").open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([header, *rows])
    return len(units), len(product_rows), len(need_rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1405)
    parser.add_argument("--per-unit", type=int, default=4, help="products a unit")
    parser.add_argument("--needs-per-unit", type=int, default=1)
    parser.add_argument("--mobiles", type=float, default=0.0, help="share of units with a mobile")
    parser.add_argument(
        "--needs-without-category",
        type=float,
        default=0.0,
        help="share of needs typed without a category (read in their unit's divisions)",
    )
    args = parser.parse_args()
    units, products, needs = generate(
        args.products,
        args.out,
        args.seed,
        args.per_unit,
        args.needs_per_unit,
        args.mobiles,
        args.needs_without_category,
    )
    print(f"units {units}, products {products}, needs {needs}")
