"""The ISIC Rev.4 tree from exhibitors/data/isic_rev4.csv.

Every section and division; every group and class of sections A, B and C,
and of the service divisions a fair of industries needs. Reloading is safe:
rows are matched by code. A later change to the file needs a new migration
that calls ``load`` again.
"""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "isic_rev4.csv"
LEVELS = {1: "section", 2: "division", 3: "group", 4: "class"}


def load(apps, schema_editor):
    Category = apps.get_model("exhibitors", "Category")
    by_code = {}
    with DATA.open(encoding="utf-8", newline="") as handle:
        # Parents come before their children in the file.
        for row in csv.DictReader(handle):
            category, _ = Category.objects.update_or_create(
                code=row["code"],
                defaults={
                    "level": LEVELS[len(row["code"])],
                    "parent": by_code.get(row["parent"]),
                    "name_en": row["name_en"],
                    "name_fa": row["name_fa"],
                },
            )
            by_code[category.code] = category


class Migration(migrations.Migration):
    dependencies = [("exhibitors", "0002_places")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
