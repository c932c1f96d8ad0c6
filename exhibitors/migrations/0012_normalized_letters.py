"""The normalizer now reads Latin letters spelled out in Persian as the
abbreviation («پی وی سی» is «pvc») and keeps «تر» after a space a word of its
own: the stored keys and search texts are written again with it. Matches
follow with `manage.py rematch`."""

from django.db import migrations

from exhibitors.migrations._refold import refold


class Migration(migrations.Migration):
    dependencies = [("exhibitors", "0011_normalized_compounds")]

    operations = [migrations.RunPython(refold, migrations.RunPython.noop)]
