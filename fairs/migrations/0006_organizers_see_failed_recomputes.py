"""Organizers see the match recomputes that failed, and try them again."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group = apps.get_model("auth", "Group").objects.get(name="Organizers")
    Permission = apps.get_model("auth", "Permission")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="matching", codename="view_pending")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("fairs", "0005_organizers_messages_and_accounts"),
        ("matching", "0007_pending_failures"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
