"""Writing the stored keys and search texts again with the normalizer as it is
now: the data migrations that follow a change of portal/lib/text.py use it."""

from portal.lib.text import normalize, search_text


def refold(apps, schema_editor):
    for name in ("Product", "Need"):
        model = apps.get_model("exhibitors", name)
        for item in model.objects.only("pk", "name", "description").iterator(chunk_size=2000):
            model.objects.filter(pk=item.pk).update(
                name_key=normalize(item.name),
                search_text=search_text(item.name, description=item.description),
            )
    Exhibitor = apps.get_model("exhibitors", "Exhibitor")
    for unit in Exhibitor.objects.only("pk", "legal_name", "brand", "description").iterator(
        chunk_size=2000
    ):
        Exhibitor.objects.filter(pk=unit.pk).update(
            name_key=normalize(f"{unit.brand} {unit.legal_name}"),
            search_text=search_text(unit.legal_name, unit.brand, description=unit.description),
        )
