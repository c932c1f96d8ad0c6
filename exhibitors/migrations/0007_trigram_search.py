"""Trigram GIN indexes for search on PostgreSQL; nothing on SQLite.

They serve the directory's "every word occurs in search_text" filter
(LIKE '%word%') and its similarity ranking. pg_trgm needs a database whose
LC_CTYPE is UTF-8 to see Persian letters as word characters (README).
"""

from django.db import migrations

from portal.lib.text import search_text

TABLES = ["exhibitors_product", "exhibitors_need", "exhibitors_exhibitor"]


def recompute(apps, schema_editor):
    """Search text now holds compacted names too (آبمیوه finds آب میوه)."""
    for name in ("Product", "Need"):
        model = apps.get_model("exhibitors", name)
        for item in model.objects.only("pk", "name", "description").iterator():
            model.objects.filter(pk=item.pk).update(
                search_text=search_text(item.name, description=item.description)
            )
    Exhibitor = apps.get_model("exhibitors", "Exhibitor")
    for unit in Exhibitor.objects.only("pk", "legal_name", "brand", "description").iterator():
        Exhibitor.objects.filter(pk=unit.pk).update(
            search_text=search_text(unit.legal_name, unit.brand, description=unit.description)
        )


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_search_trgm "
            f"ON {table} USING gin (search_text gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("exhibitors", "0006_unique_item_names")]
    operations = [
        migrations.RunPython(recompute, migrations.RunPython.noop),
        migrations.RunPython(create, drop),
    ]
