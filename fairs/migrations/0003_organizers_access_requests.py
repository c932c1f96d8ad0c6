"""Organizers decide access requests and see (or cancel) invitations."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = {
    ("exhibitors", "accessrequest"): ["view", "change"],
    ("exhibitors", "invitation"): ["view", "delete"],
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
        ("fairs", "0002_organizers_group"),
        ("exhibitors", "0004_access_requests_invitations_product_image"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
