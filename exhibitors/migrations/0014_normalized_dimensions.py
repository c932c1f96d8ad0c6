"""The normalizer now writes a size's «*» or «×» between two numbers as the «x»
of «40x40» («30*30» is «30x30»), where it made them two numbers: the stored
keys and search texts are written again with it. Matches follow with
`manage.py rematch`."""

from django.db import migrations

from exhibitors.migrations._refold import refold


class Migration(migrations.Migration):
    dependencies = [("exhibitors", "0013_invitation_token_hash")]

    operations = [migrations.RunPython(refold, migrations.RunPython.noop)]
