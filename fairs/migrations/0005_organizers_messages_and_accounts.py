"""Organizers read the messages and decide on failed ones, keep the opt-out
list, reset members' mobiles and read the account events."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = {
    ("messaging", "message"): ["view", "resend"],
    ("messaging", "optout"): ["view", "add"],
    ("accounts", "account"): ["view", "change"],
    ("accounts", "event"): ["view"],
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
        ("fairs", "0004_review_fixes"),
        ("messaging", "0001_initial"),
        ("accounts", "0001_initial"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
