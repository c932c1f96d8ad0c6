"""The supply-chain map as shipped (matching/data/supply_chain.csv)."""

from django.db import migrations

from matching.supply_chain import read_map


def load(apps, schema_editor):
    SupplyLink = apps.get_model("matching", "SupplyLink")
    for row in read_map():
        SupplyLink.objects.update_or_create(
            buyer_division=row["buyer_division"],
            supplier_division=row["supplier_division"],
            defaults={"inputs_fa": row["inputs_fa"], "inputs_en": row["inputs_en"]},
        )


class Migration(migrations.Migration):
    dependencies = [("matching", "0003_feedback_map_suggestions")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
