"""Organizers follow contact requests (and may change their status) and see matches."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = {
    ("matching", "contactrequest"): ["view", "change"],
    ("matching", "contactmessage"): ["view"],
    ("matching", "match"): ["view"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group = apps.get_model("auth", "Group").objects.get(name="Organizers")
    Permission = apps.get_model("auth", "Permission")
    for (app_label, model), actions in PERMISSIONS.items():
        for action in actions:
            group.permissions.add(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=f"{action}_{model}"
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0001_matches_and_contact_requests"),
        ("fairs", "0004_review_fixes"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
