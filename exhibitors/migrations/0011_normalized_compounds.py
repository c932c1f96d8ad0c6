"""The normalizer now folds compounds («ضد آب», «بسته بندی») and a glued «و»: the
stored keys and search texts are written again with it. Matches follow with
`manage.py rematch`."""

from django.db import migrations

from exhibitors.migrations._refold import refold


class Migration(migrations.Migration):
    dependencies = [("exhibitors", "0010_places_share_a_base")]

    operations = [migrations.RunPython(refold, migrations.RunPython.noop)]
